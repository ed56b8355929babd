import { z } from 'zod';
import { envInt, kafkaEnvShape, parseEnv } from '@fraud/common';

export const apiEnvSchema = z.object({
  ...kafkaEnvShape,
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: envInt(0, 65535).default(8080),
  /** Per-request deadline for the stream decision; past it the fallback policy answers. */
  API_DEADLINE_MS: envInt(1, 60_000).default(50),
  /** Fallback: APPROVE below this amount (minor units), REVIEW at or above it. */
  API_FALLBACK_APPROVE_UNDER: envInt(0, Number.MAX_SAFE_INTEGER).default(50_000),
  API_KEYS_FILE: z.string().min(1).default('.data/api-keys.json'),
  API_RATE_LIMIT_PER_S: envInt(1, 1_000_000).default(2_000),
  API_RATE_BURST: envInt(1, 1_000_000).default(4_000),
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/, 'a size like 16kb')
    .default('16kb'),
  API_DECISION_CACHE: envInt(100, 10_000_000).default(200_000),
  WAREHOUSE_API_URL: z.url().default('http://127.0.0.1:9472'),
});
export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function loadApiEnv(env: Record<string, string | undefined> = process.env): ApiEnv {
  return parseEnv(apiEnvSchema, env);
}
