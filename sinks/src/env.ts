import { z } from 'zod';
import { envBool, envInt, envList, kafkaEnvShape } from '@fraud/common';

/** Everything the sinks read from the environment, parsed once at start-up (parseEnv). */
export const sinkEnvSchema = z
  .object({
    ...kafkaEnvShape,
    SINK_HOST: z.string().min(1).default('127.0.0.1'),
    /** How long the group waits for a member that died (kill -9) before giving its partitions away. */
    SINK_SESSION_TIMEOUT_MS: envInt(6000, 300_000).default(30_000),
    WAREHOUSE_PATH: z.string().min(1).default('.data/warehouse.duckdb'),
    WAREHOUSE_PORT: envInt(0, 65535).default(9472),
    WAREHOUSE_BATCH_ROWS: envInt(1, 100_000).default(5000),
    /**
     * Operations drill knob (docs/operations.md): an extra wait before every warehouse write, to
     * rehearse a slow warehouse (lag grows, nothing is lost, it catches up once removed). 0 in production.
     */
    WAREHOUSE_WRITE_DELAY_MS: envInt(0, 60_000).default(0),
    BIGQUERY_PROJECT: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'a GCP project id')
      .optional(),
    BIGQUERY_DATASET: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,1024}$/, 'letters, digits and _ only')
      .optional(),
    BIGQUERY_LOCATION: z.string().min(1).optional(),
    /** Only for tests and emulators: where the BigQuery REST API lives. */
    BIGQUERY_API_ENDPOINT: z.url().optional(),
    METRICS_PORT: envInt(0, 65535).default(9471),
    METRICS_WINDOW_SECONDS: envInt(10, 30 * 86400).default(3600),
    METRICS_JOIN_CACHE_SIZE: envInt(1000, 10_000_000).default(500_000),
    /** Consumer groups whose lag the metrics sink exports; default: the scorer's and the sinks' groups. */
    LAG_GROUPS: envList.optional(),
    LAG_INTERVAL_MS: envInt(200, 600_000).default(5000),
    LIVE_PORT: envInt(0, 65535).default(9473),
    LIVE_FEED_SECRET: z.string().min(16, 'at least 16 characters').optional(),
    LIVE_APPROVE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.01),
    LIVE_CORS_ORIGINS: envList.default(['http://127.0.0.1:9475', 'http://localhost:9475']),
    LIVE_CLIENT_BUFFER: envInt(10, 1_000_000).default(1000),
    LIVE_FROM_BEGINNING: envBool.default(false),
  })
  .refine((e) => Boolean(e.BIGQUERY_PROJECT) === Boolean(e.BIGQUERY_DATASET), {
    message: 'set both BIGQUERY_PROJECT and BIGQUERY_DATASET (BigQuery) or neither (DuckDB)',
    path: ['BIGQUERY_DATASET'],
  });
export type SinkEnv = z.infer<typeof sinkEnvSchema>;
