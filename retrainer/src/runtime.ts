import type { Logger } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { createCodecs, topicNames } from '@fraud/schemas';
import type { RetrainerEnv } from './env.ts';
import { createRetrainerService, type RetrainerService, type RetrainerServiceOptions } from './service/service.ts';

/** Builds and starts the retrainer from its parsed environment (entry points call this). */
export async function runRetrainer(
  env: RetrainerEnv,
  logger: Logger,
  extra: Partial<RetrainerServiceOptions> = {},
): Promise<RetrainerService> {
  const topics = topicNames(env.TOPIC_PREFIX);
  const kafka = createKafka(env, 'fraud-retrainer', logger);
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
  const svc = await createRetrainerService({
    kafka,
    codecs,
    topics,
    logger,
    dbPath: env.RETRAINER_DB_PATH,
    artifactsDir: env.MODEL_ARTIFACTS_DIR,
    groupId: env.RETRAINER_GROUP_ID,
    port: env.RETRAINER_PORT,
    host: env.RETRAINER_HOST,
    tickMs: env.RETRAINER_TICK_MS,
    ...(env.RETRAIN_POLICY_FILE ? { policyFile: env.RETRAIN_POLICY_FILE } : {}),
    ...extra,
  });
  await svc.start();
  return svc;
}
