/**
 * DDL of the retrainer's own DuckDB file. Times are epoch millis (BIGINT). Features are the
 * scorer's Float32 vector as logged, stored as little-endian bytes: what training reads is
 * bit-for-bit what scoring used (no recomputation, so no training/serving skew).
 */
export const SCHEMA_SQL = `
CREATE SEQUENCE IF NOT EXISTS join_seq START 1;
CREATE TABLE IF NOT EXISTS scored (
  tx_id VARCHAR PRIMARY KEY,
  event_time BIGINT NOT NULL,
  tx_type VARCHAR NOT NULL,
  amount BIGINT NOT NULL,
  origin_account VARCHAR NOT NULL,
  feature_set VARCHAR NOT NULL,
  features BLOB NOT NULL,
  score DOUBLE NOT NULL,
  decision VARCHAR NOT NULL,
  review_threshold DOUBLE NOT NULL,
  block_threshold DOUBLE NOT NULL,
  model_version VARCHAR NOT NULL,
  shadow_version VARCHAR,
  shadow_score DOUBLE,
  shadow_decision VARCHAR,
  scored_at BIGINT NOT NULL,
  ingested_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS labels (
  tx_id VARCHAR PRIMARY KEY,
  is_fraud BOOLEAN NOT NULL,
  source VARCHAR NOT NULL,
  labeled_at BIGINT NOT NULL,
  typology VARCHAR,
  author VARCHAR,
  note VARCHAR,
  received_at BIGINT NOT NULL,
  -- NULL while the transaction is unknown (label arrived first), set when both sides are here.
  join_seq BIGINT
);
CREATE TABLE IF NOT EXISTS stage_scored AS SELECT * EXCLUDE (ingested_at) FROM scored LIMIT 0;
-- The transaction as scored (JSON), last in both tables (older stores gain it here, NULL for their
-- rows): a retrain with a feature spec other than the logged one computes its features from it.
ALTER TABLE scored ADD COLUMN IF NOT EXISTS tx_json VARCHAR;
ALTER TABLE stage_scored ADD COLUMN IF NOT EXISTS tx_json VARCHAR;
CREATE TABLE IF NOT EXISTS stage_labels AS SELECT * EXCLUDE (received_at, join_seq) FROM labels LIMIT 0;
CREATE TABLE IF NOT EXISTS counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  version VARCHAR NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  trigger VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  promoted BOOLEAN NOT NULL DEFAULT false,
  role VARCHAR,
  reason VARCHAR NOT NULL DEFAULT '',
  champion_version VARCHAR,
  join_seq BIGINT NOT NULL DEFAULT 0,
  train_rows BIGINT, train_positives BIGINT, holdout_rows BIGINT, holdout_positives BIGINT,
  window_from BIGINT, window_to BIGINT,
  challenger_metrics VARCHAR,
  champion_metrics VARCHAR,
  policy VARCHAR NOT NULL,
  details VARCHAR
);
CREATE TABLE IF NOT EXISTS publications (
  published_at BIGINT NOT NULL,
  version VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  actor VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  sha256 VARCHAR
);
CREATE TABLE IF NOT EXISTS backtests (
  backtest_id VARCHAR PRIMARY KEY,
  created_at BIGINT NOT NULL,
  version VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  range_from BIGINT, range_to BIGINT,
  rows BIGINT NOT NULL, positives BIGINT NOT NULL,
  metrics VARCHAR NOT NULL,
  per_typology VARCHAR NOT NULL,
  per_type VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS policy_audit (
  audited_at BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  actor VARCHAR NOT NULL,
  accepted BOOLEAN NOT NULL,
  message VARCHAR NOT NULL,
  policy VARCHAR
);
`;
