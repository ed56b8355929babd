import { z } from 'zod';
import { envBool, envInt, kafkaEnvShape, logEnvShape, parseEnv, sharedEnvFields } from '@fraud/common';

/** The console's whole configuration; nothing else in web/ reads process.env. */
export const webEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  WEB_DB_PATH: z
    .string()
    .min(1)
    .default('.data/web.duckdb')
    .describe('Console database (DuckDB): users, sessions, review cases, audit, model versions.'),
  WEB_PUBLIC_READONLY: envBool
    .default(false)
    .describe('Open read-only pages to anonymous visitors from loopback addresses.'),
  WEB_SESSION_HOURS: envInt(1, 24 * 30)
    .default(12)
    .describe('Absolute lifetime of a console session.'),
  WAREHOUSE_API_URL: sharedEnvFields.WAREHOUSE_API_URL,
  LIVE_FEED_URL: z
    .url()
    .default('http://127.0.0.1:9473')
    .describe('URL of the Socket.io live feed, as the browser reaches it.'),
  LIVE_FEED_SECRET: sharedEnvFields.LIVE_FEED_SECRET,
  LIVE_FEED_TOKEN_MINUTES: envInt(1, 24 * 60)
    .default(60)
    .describe('Lifetime of a live-feed token the console signs.'),
  WEB_CASES_GROUP: z
    .string()
    .min(1)
    .default('fraud-web-cases')
    .describe('Consumer group that turns REVIEW/BLOCK scored records into review cases.'),
  WEB_CASES_FROM_BEGINNING: envBool
    .default(false)
    .describe('A new cases group reads `scored` from the start instead of its end (tests, first backfill).'),
  RETRAINER_API_URL: z
    .url()
    .optional()
    .describe("The retrainer's HTTP API (backtests); unset: the Backtests page says they are unavailable."),
  MODEL_ARTIFACTS_DIR: sharedEnvFields.MODEL_ARTIFACTS_DIR,
  MODEL_NAME: z.string().min(1).default('fraud').describe('Model name: the key of ModelUpdate records.'),
});
export type WebEnv = z.infer<typeof webEnvSchema>;

export function loadWebEnv(env: Record<string, string | undefined> = process.env): WebEnv {
  return parseEnv(webEnvSchema, env);
}
