import { FraudError, type Logger } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { createServingModel, readArtifact } from '@fraud/model';
import { createCodecs, topicNames, validateTransaction } from '@fraud/schemas';
import type { ScorerEnv } from './env.ts';
import type { ServingModelFactory, TransactionValidator } from './ports.ts';
import { startScorer, type ScorerService, type ScorerServiceDeps } from './service.ts';
import { createSpecWiring } from './spec-wiring.ts';

export { featureModule } from './spec-wiring.ts';

export const createServing: ServingModelFactory = async (spec) => {
  if (spec.modelJson === null) {
    throw new FraudError(
      'MODEL_INVALID',
      `model ${spec.version} has no XGBoost JSON (modelJson): REVIEW/BLOCK decisions could not be explained`,
    );
  }
  return createServingModel({ ...spec, modelJson: spec.modelJson });
};

/** schemas/ validateTransaction with the scorer's configured allowance for eventTime ahead of the clock. */
export function validatorWithAhead(maxAheadMs: number): TransactionValidator {
  return (payment, now) => validateTransaction(payment, now, { maxEventAheadMs: maxAheadMs });
}

/** What a caller may add to the real wiring: the clock, instrumentation hooks. */
export type ScorerExtras = Pick<ScorerServiceDeps, 'now' | 'onRestoreFetch'>;

/** Wires the real pieces (Kafka, registry codecs, features, onnxruntime) and starts a scorer. */
export async function runScorer(env: ScorerEnv, logger: Logger, extras: ScorerExtras = {}): Promise<ScorerService> {
  const kafka = createKafka(env, 'fraud-scorer', logger);
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics: topicNames(env.TOPIC_PREFIX) });
  return startScorer({
    env,
    kafka,
    codecs,
    specWiring: createSpecWiring,
    createServing,
    validate: validatorWithAhead(env.SCORER_MAX_EVENT_AHEAD_MS),
    readArtifact,
    logger,
    ...extras,
  });
}
