import { z } from 'zod';
import { parseEnv } from '@fraud/common';

/** The local runtime's configuration (fraud infra, fraud start, the test setup). */
export const infraEnvSchema = z.object({
  FRAUD_DATA_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Where local runtime state lives (Kafka logs, DuckDB files, pids, service logs); unset: .data/.'),
});
export type InfraEnv = z.infer<typeof infraEnvSchema>;

export function parseInfraEnv(env: Record<string, string | undefined> = process.env): InfraEnv {
  return parseEnv(infraEnvSchema, env);
}
