/**
 * Schema of the console's DuckDB file, append-only: never edit a shipped migration, add one.
 * Times are epoch milliseconds (BIGINT) to match the Kafka records.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT false
  );
  CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,
    user_name VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE TABLE cases (
    tx_id VARCHAR PRIMARY KEY,
    decision VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    tx_type VARCHAR NOT NULL,
    amount BIGINT NOT NULL,
    origin_account VARCHAR NOT NULL,
    dest_account VARCHAR NOT NULL,
    event_time BIGINT NOT NULL,
    model_version VARCHAR NOT NULL,
    scored_json VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    assigned_to VARCHAR,
    verdict VARCHAR,
    note VARCHAR,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by VARCHAR
  );
  CREATE TABLE audit (
    id VARCHAR PRIMARY KEY,
    ts BIGINT NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    detail VARCHAR NOT NULL
  );
  CREATE TABLE model_versions (
    version VARCHAR PRIMARY KEY,
    model_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    metadata_json VARCHAR NOT NULL,
    record_b64 VARCHAR
  );
  CREATE TABLE champion_history (
    ts BIGINT NOT NULL,
    model_name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    role VARCHAR NOT NULL
  )
  `,
  // Rule set drafts: an analyst proposes, an admin publishes (web/src/lib/server/rules/drafts.ts).
  `
  CREATE TABLE rule_drafts (
    id VARCHAR PRIMARY KEY,
    created_at BIGINT NOT NULL,
    author VARCHAR NOT NULL,
    note VARCHAR NOT NULL,
    rule_set_json VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    decided_by VARCHAR,
    decided_at BIGINT,
    published_version INTEGER
  )
  `,
  // The rule set version a draft was written on (null: none in force), so that publishing it
  // cannot silently undo a version published in between.
  `ALTER TABLE rule_drafts ADD COLUMN base_version INTEGER`,
];
