import { z } from 'zod';
import { envInt, kafkaEnvShape, logEnvShape, parseEnv } from '@fraud/common';

/** Producer settings: the shared Kafka/registry and logging variables plus the producers' own. */
export const producerEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  PRODUCER_METRICS_PORT: envInt(0, 65_535)
    .default(9464)
    .describe('Port of Prometheus /metrics (0: any free port); --metrics-port overrides it.'),
  PRODUCER_BATCH_SIZE: envInt(1, 1_000_000)
    .default(10_000)
    .describe('Messages per produce request; --batch-size overrides it.'),
});
export type ProducerEnv = z.infer<typeof producerEnvSchema>;

export function loadProducerEnv(env: Record<string, string | undefined> = process.env): ProducerEnv {
  return parseEnv(producerEnvSchema, env);
}
