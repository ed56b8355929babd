import { z } from 'zod';
import { envInt, kafkaEnvShape, logEnvShape, parseEnv, sharedEnvFields } from '@fraud/common';

/** The decision API's configuration, parsed once at start-up; a bad value names the variable. */
export const apiEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  API_HOST: z.string().default('127.0.0.1').describe('Address the decision API binds.'),
  API_PORT: envInt(0, 65535).default(8080).describe('Port of the decision API (0: any free port).'),
  API_DEADLINE_MS: envInt(1, 60_000)
    .default(50)
    .describe('Per-request deadline for the decision (owner or stream); past it the fallback policy answers.'),
  API_FALLBACK_APPROVE_UNDER: envInt(0, Number.MAX_SAFE_INTEGER)
    .default(50_000)
    .describe('Fallback policy: APPROVE below this amount (minor units), REVIEW at or above it.'),
  API_KEYS_FILE: z
    .string()
    .min(1)
    .default('.data/api-keys.json')
    .describe('API keys (hashed, scoped), written by `fraud api keys create`.'),
  API_RATE_LIMIT_PER_S: envInt(1, 1_000_000).default(2_000).describe('Sustained requests per second per API key.'),
  API_RATE_BURST: envInt(1, 1_000_000).default(4_000).describe('Burst size of the per-key rate limit (token bucket).'),
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/, 'a size like 16kb')
    .default('16kb')
    .describe('Largest request body accepted.'),
  API_DECISION_CACHE: envInt(100, 10_000_000)
    .default(200_000)
    .describe('Decisions kept in memory for GET /v1/decisions/:txId and late waiters.'),
  API_ROUTE_MODE: z
    .enum(['owner', 'kafka'])
    .default('owner')
    .describe(
      'owner: forward each payment to the scorer instance that owns its partition, falling back to Kafka; ' +
        'kafka: always publish to `transactions` and wait for the decision on `scored`.',
    ),
  SCORER_GROUP_ID: z
    .string()
    .min(1)
    .default('fraud-scorer')
    .describe("The scorers' consumer group (the scorer's SCORER_GROUP_ID), whose members own the partitions."),
  API_OWNER_REFRESH_MS: envInt(50, 600_000)
    .default(1_000)
    .describe("How often the scorers' partition owners are re-read (also at once after a wrong or dead owner)."),
  WAREHOUSE_API_URL: sharedEnvFields.WAREHOUSE_API_URL,
});
export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function loadApiEnv(env: Record<string, string | undefined> = process.env): ApiEnv {
  return parseEnv(apiEnvSchema, env);
}
