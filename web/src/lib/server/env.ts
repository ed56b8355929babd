import { z } from 'zod';
import { envBool, envInt, kafkaEnvShape, parseEnv } from '@fraud/common';

/** The console's whole configuration; nothing else in web/ reads process.env. */
export const webEnvSchema = z.object({
  ...kafkaEnvShape,
  WEB_DB_PATH: z.string().min(1).default('.data/web.duckdb'),
  /** Open read-only pages to anonymous visitors from loopback addresses. */
  WEB_PUBLIC_READONLY: envBool.default(false),
  WEB_SESSION_HOURS: envInt(1, 24 * 30).default(12),
  /** Base URL of the warehouse sink's read-only HTTP API. */
  WAREHOUSE_API_URL: z.url().default('http://127.0.0.1:9472'),
  /** URL of the Socket.io live feed, as the browser reaches it. */
  LIVE_FEED_URL: z.url().default('http://127.0.0.1:9473'),
  /** HMAC secret shared with the live feed server; the console signs short-lived tokens with it. */
  LIVE_FEED_SECRET: z.string().min(16, 'at least 16 characters'),
  LIVE_FEED_TOKEN_MINUTES: envInt(1, 24 * 60).default(60),
  /** Consumer group that turns REVIEW/BLOCK scored records into review cases. */
  WEB_CASES_GROUP: z.string().min(1).default('fraud-web-cases'),
  /** A new cases group starts at the end of `scored` unless this is true (tests, first backfill). */
  WEB_CASES_FROM_BEGINNING: envBool.default(false),
  /** The retrainer's HTTP API (backtests); unset = the Backtests page says they are unavailable. */
  RETRAINER_API_URL: z.url().optional(),
  /** Local model artifacts (model-artifacts/<version>/metadata.json), read in addition to model-updates. */
  MODEL_ARTIFACTS_DIR: z.string().default('model-artifacts'),
  /** Model name used as the key of ModelUpdate records. */
  MODEL_NAME: z.string().min(1).default('fraud'),
});
export type WebEnv = z.infer<typeof webEnvSchema>;

export function loadWebEnv(env: Record<string, string | undefined> = process.env): WebEnv {
  return parseEnv(webEnvSchema, env);
}
