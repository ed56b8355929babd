import { z } from 'zod';
import { envBool, envInt, envList, kafkaEnvShape, logEnvShape, sharedEnvFields } from '@fraud/common';

/** Everything the sinks read from the environment, parsed once at start-up (parseEnv). */
export const sinkEnvSchema = z
  .object({
    ...kafkaEnvShape,
    ...logEnvShape,
    SINK_HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe("Address the sinks' HTTP servers bind (0.0.0.0 in containers)."),
    SINK_SESSION_TIMEOUT_MS: envInt(6000, 300_000)
      .default(30_000)
      .describe('How long the group waits for a member that died (kill -9) before giving its partitions away.'),
    WAREHOUSE_PATH: z.string().min(1).default('.data/warehouse.duckdb').describe('The DuckDB warehouse file.'),
    WAREHOUSE_PORT: envInt(0, 65535).default(9472).describe("Port of the warehouse sink's question API."),
    WAREHOUSE_BATCH_ROWS: envInt(1, 100_000)
      .default(5000)
      .describe('Rows per warehouse write: a Kafka batch is cut into chunks of this size.'),
    WAREHOUSE_WRITE_DELAY_MS: envInt(0, 60_000)
      .default(0)
      .describe(
        'Operations drill knob (docs/operations.md): an extra wait before every warehouse write, to ' +
          'rehearse a slow warehouse (lag grows, nothing is lost). 0 in production.',
      ),
    BIGQUERY_PROJECT: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'a GCP project id')
      .optional()
      .describe('GCP project: with BIGQUERY_DATASET, the warehouse is BigQuery instead of DuckDB.'),
    BIGQUERY_DATASET: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,1024}$/, 'letters, digits and _ only')
      .optional()
      .describe('BigQuery dataset, created with its tables if missing (set both or neither).'),
    BIGQUERY_LOCATION: z.string().min(1).optional().describe('BigQuery location of the dataset, e.g. EU.'),
    BIGQUERY_API_ENDPOINT: z
      .url()
      .optional()
      .describe('Only for tests and emulators: where the BigQuery REST API lives.'),
    METRICS_PORT: envInt(0, 65535).default(9471).describe("Port of the metrics sink's Prometheus /metrics."),
    METRICS_WINDOW_SECONDS: envInt(10, 30 * 86400)
      .default(3600)
      .describe('Window of the rolling quality metrics (precision, recall against labels).'),
    METRICS_JOIN_CACHE_SIZE: envInt(1000, 10_000_000)
      .default(500_000)
      .describe('Decisions kept to join with late labels (oldest evicted).'),
    LAG_GROUPS: envList
      .optional()
      .describe("Consumer groups whose lag the metrics sink exports; unset: the scorer's and the sinks' groups."),
    LAG_INTERVAL_MS: envInt(200, 600_000).default(5000).describe('How often consumer lag is polled.'),
    LIVE_PORT: envInt(0, 65535).default(9473).describe("Port of the live sink's Socket.io feed."),
    LIVE_FEED_SECRET: sharedEnvFields.LIVE_FEED_SECRET.optional(),
    LIVE_APPROVE_SAMPLE_RATE: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe('Fraction of APPROVE decisions sent to the live feed (REVIEW and BLOCK always are).'),
    LIVE_CORS_ORIGINS: envList
      .default(['http://127.0.0.1:9475', 'http://localhost:9475'])
      .describe('Origins allowed to open the live feed (CORS), comma-separated: the console.'),
    LIVE_CLIENT_BUFFER: envInt(10, 1_000_000)
      .default(1000)
      .describe('Events buffered per slow live client before the oldest are dropped.'),
    LIVE_FROM_BEGINNING: envBool
      .default(false)
      .describe('A new live group reads `scored` from the start instead of its end.'),
  })
  .refine((e) => Boolean(e.BIGQUERY_PROJECT) === Boolean(e.BIGQUERY_DATASET), {
    message: 'set both BIGQUERY_PROJECT and BIGQUERY_DATASET (BigQuery) or neither (DuckDB)',
    path: ['BIGQUERY_DATASET'],
  });
export type SinkEnv = z.infer<typeof sinkEnvSchema>;
