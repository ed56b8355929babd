import { z } from 'zod';
import { envInt, kafkaEnvShape, parseEnv } from '@fraud/common';

/** The retrainer's configuration, parsed once at start-up; a bad value names the variable. */
export const retrainerEnvSchema = z.object({
  ...kafkaEnvShape,
  RETRAINER_DB_PATH: z.string().min(1).default('.data/retrainer.duckdb'),
  RETRAIN_POLICY_FILE: z.string().min(1).optional(),
  RETRAINER_PORT: envInt(0, 65535).default(9474),
  RETRAINER_HOST: z.string().min(1).default('127.0.0.1'),
  RETRAINER_GROUP_ID: z.string().min(1).default('retrainer'),
  RETRAINER_TICK_MS: envInt(100, 3_600_000).default(2_000),
  MODEL_ARTIFACTS_DIR: z.string().min(1).default('model-artifacts'),
  /** Where `fraud models` / `fraud backtest` find a running retrainer. */
  RETRAINER_URL: z.url().default('http://127.0.0.1:9474'),
});
export type RetrainerEnv = z.infer<typeof retrainerEnvSchema>;

export function parseRetrainerEnv(env: Record<string, string | undefined> = process.env): RetrainerEnv {
  return parseEnv(retrainerEnvSchema, env);
}
