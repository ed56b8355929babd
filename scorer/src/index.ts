export {
  processBatch,
  type RawRecord,
  type BatchResult,
  type ScoredOut,
  type BatchDeps,
  type BatchContext,
} from './process-batch.ts';
export {
  applyPolicy,
  compilePolicy,
  decideByScore,
  effectiveThresholds,
  RULES,
  type CompiledPolicy,
} from './policy.ts';
export {
  DLQ_HEADERS,
  toDlqMessage,
  readDlqHeaders,
  withoutDlqHeaders,
  type DeadLetter,
  type DlqOrigin,
} from './dlq.ts';
export { createScorerMetrics, type ScorerMetrics } from './metrics.ts';
export { loadModelUpdate, fetchModelBytes, sha256Hex } from './model-loader.ts';
export { createModelManager, type ModelManager } from './model-manager.ts';
export { artifactToUpdate, thresholdsOf } from './bootstrap.ts';
export { startScorerLoop, transactionalIdFor, byRequestSize, type ScorerLoop, type LoopConfig } from './eos-loop.ts';
export { startTopicReader, readToEnd } from './topic-reader.ts';
export { restorePartitionState } from './state-restore.ts';
export { scorerEnvSchema, parseScorerEnv, type ScorerEnv } from './env.ts';
export { startScorer, type ScorerService, type ScorerServiceDeps } from './service.ts';
export { runScorer, featureModule, createServing } from './runtime.ts';
export type { ActiveModel, ModelPair } from './models.ts';
export type { FeatureModule, ScorerCodecs, ServingModelFactory, TransactionValidator } from './ports.ts';
export {
  readDlq,
  replayDlq,
  parsePositions,
  REPLAYED_FROM_HEADER,
  type DlqEntry,
  type DlqSelection,
} from './dlq-tools.ts';
