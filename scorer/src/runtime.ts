import { FraudError, type Logger } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import {
  FEATURE_NAMES,
  FEATURE_SET,
  computeFeatures,
  createFeatureState,
  createServingModel,
  readArtifact,
  type DestinationView,
  type FeatureState,
} from '@fraud/model';
import { createCodecs, topicNames, validateTransaction } from '@fraud/schemas';
import type { ScorerEnv } from './env.ts';
import type { FeatureModule, ServingModelFactory, TransactionValidator } from './ports.ts';
import { startScorer, type ScorerService, type ScorerServiceDeps } from './service.ts';

/** The shared feature module: per-partition origin state, one destination view per instance. */
export function featureModule(view: DestinationView): FeatureModule<FeatureState> {
  return {
    featureSet: FEATURE_SET,
    featureNames: FEATURE_NAMES,
    createState: (partition) => createFeatureState({ partition, view }),
    scratchState: () => createFeatureState(),
    compute: (payments, state) => computeFeatures(payments, state),
  };
}

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
export type ScorerExtras = Pick<ScorerServiceDeps<FeatureState>, 'now' | 'onRestoreFetch'>;

/** Wires the real pieces (Kafka, registry codecs, features, onnxruntime) and starts a scorer. */
export async function runScorer(env: ScorerEnv, logger: Logger, extras: ScorerExtras = {}): Promise<ScorerService> {
  const kafka = createKafka(env, 'fraud-scorer', logger);
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics: topicNames(env.TOPIC_PREFIX) });
  return startScorer({
    env,
    kafka,
    codecs,
    features: featureModule,
    createServing,
    validate: validatorWithAhead(env.SCORER_MAX_EVENT_AHEAD_MS),
    readArtifact,
    logger,
    ...extras,
  });
}
