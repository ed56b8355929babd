import { z } from 'zod';
import { envInt, kafkaEnvShape, logEnvShape, parseEnv, sharedEnvFields } from '@fraud/common';

/** The retrainer's configuration, parsed once at start-up; a bad value names the variable. */
export const retrainerEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  RETRAINER_DB_PATH: z
    .string()
    .min(1)
    .default('.data/retrainer.duckdb')
    .describe('The training store (DuckDB), owned by the running retrainer.'),
  RETRAIN_POLICY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('JSON or YAML retrain policy, watched: edits apply without a restart.'),
  RETRAINER_PORT: envInt(0, 65535).default(9474).describe('Port of the /api/*, /metrics and /health server.'),
  RETRAINER_HOST: z.string().min(1).default('127.0.0.1').describe('Address the HTTP server binds.'),
  RETRAINER_GROUP_ID: z
    .string()
    .min(1)
    .default('retrainer')
    .describe('Consumer group reading `labels` and `scored` into the training store.'),
  RETRAINER_TICK_MS: envInt(100, 3_600_000)
    .default(2_000)
    .describe('How often the scheduler checks whether a retrain is due.'),
  MODEL_ARTIFACTS_DIR: sharedEnvFields.MODEL_ARTIFACTS_DIR,
  RETRAINER_URL: z
    .url()
    .default('http://127.0.0.1:9474')
    .describe('Where `fraud models`, `fraud backtest` and `fraud retrainer policy show` find a running retrainer.'),
});
export type RetrainerEnv = z.infer<typeof retrainerEnvSchema>;

export function parseRetrainerEnv(env: Record<string, string | undefined> = process.env): RetrainerEnv {
  return parseEnv(retrainerEnvSchema, env);
}
