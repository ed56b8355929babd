export type { Codec, SinkCodecs } from './codecs.ts';
export { sinkEnvSchema, type SinkEnv } from './env.ts';
export {
  startSink,
  sinkGroupId,
  SINK_KINDS,
  type SinkKind,
  type RunningSink,
  type SinkServiceDeps,
} from './service.ts';
export { signFeedToken, verifyFeedToken, type FeedTokenPayload } from './live/token.ts';
export type { FeedStats } from './live/aggregator.ts';
export { QUESTIONS, type Question } from './warehouse/questions.ts';
export { renderSql, duckdbDialect, bigqueryDialect, type Dialect } from './warehouse/dialect.ts';
export { createDuckDbStore } from './warehouse/duckdb-store.ts';
export { createBigQueryStore, isRetriableBigQueryError } from './warehouse/bigquery-store.ts';
export { createBigQueryClient } from './bigquery-client.ts';
export { TABLES, SCORED_TABLE, LABELS_TABLE, MODEL_VERSIONS_TABLE } from './warehouse/columns.ts';
export { runWarehouseBacktest, type BacktestRequest } from './warehouse/backtest-api.ts';
export { scoredRow } from './warehouse/rows.ts';
