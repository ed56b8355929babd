import { z } from 'zod';
import { envInt, kafkaEnvShape, parseEnv } from '@fraud/common';

/** Producer settings: the shared Kafka/registry variables plus the metrics port. */
export const producerEnvSchema = z.object({
  ...kafkaEnvShape,
  PRODUCER_METRICS_PORT: envInt(0, 65_535).default(9464),
  PRODUCER_BATCH_SIZE: envInt(1, 1_000_000).default(10_000),
});
export type ProducerEnv = z.infer<typeof producerEnvSchema>;

export function loadProducerEnv(env: Record<string, string | undefined> = process.env): ProducerEnv {
  return parseEnv(producerEnvSchema, env);
}
