import type { KafkaEnv } from '@fraud/common';
import { directRetrainerClient } from './direct-client.ts';
import { httpRetrainerClient, retrainerReachable } from './http-client.ts';
import type { RetrainerClient } from './types.ts';

export * from './types.ts';
export { httpRetrainerClient, retrainerReachable } from './http-client.ts';
export { directRetrainerClient } from './direct-client.ts';

/** The running service if it answers at RETRAINER_URL, else direct access to the store and Kafka. */
export async function openRetrainerClient(
  env: KafkaEnv & {
    RETRAINER_URL: string;
    RETRAINER_DB_PATH: string;
    MODEL_ARTIFACTS_DIR: string;
    RETRAIN_POLICY_FILE?: string | undefined;
  },
): Promise<RetrainerClient> {
  if (await retrainerReachable(env.RETRAINER_URL)) return httpRetrainerClient(env.RETRAINER_URL);
  return directRetrainerClient(env);
}
