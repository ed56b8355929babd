export {
  screenChunk,
  scoreChunk,
  type ChunkResult,
  type ScoredOut,
  type ScreenedChunk,
  type ScreenContext,
  type ScoreContext,
} from './score-chunk.ts';
export { decodeChunk, isBadRecordError, type DecodedRecord } from './decode-chunk.ts';
export { evaluateChunk, type EvaluateContext, type EvaluateDeps } from './eos/chunk.ts';
export {
  applyPolicy,
  compilePolicy,
  decideByScore,
  effectiveThresholds,
  RULES,
  type CompiledPolicy,
} from './policy.ts';
export { createScorerMetrics, type ScorerMetrics } from './metrics.ts';
export { loadModelUpdate, fetchModelBytes, sha256Hex } from './model-loader.ts';
export { createModelManager, type ModelManager } from './model-manager.ts';
export { artifactToUpdate, thresholdsOf } from './bootstrap.ts';
export { startScorerLoop, type ScorerLoop, type LoopConfig, type LoopDeps } from './eos/loop.ts';
export { createKafkaEosPort, transactionalIdFor, DLQ_SERVICE } from './eos/kafka-port.ts';
export type { EosPort, OpenedTask } from './eos/port.ts';
export { restorePartitionState } from './state-restore.ts';
export { scorerEnvSchema, parseScorerEnv, type ScorerEnv } from './env.ts';
export { startScorer, type ScorerService, type ScorerServiceDeps } from './service.ts';
export { runScorer, featureModule, createServing } from './runtime.ts';
export { disablePretenuring, NO_PRETENURING_FLAG } from './gc-tuning.ts';
export type { ActiveModel, ModelPair } from './models.ts';
export type { FeatureModule, ScorerCodecs, ServingModelFactory, SpecStates, TransactionValidator } from './ports.ts';
export {
  createSpecCatalog,
  type ResolvedSpec,
  type SpecCatalog,
  type SpecContext,
  type SpecRuntime,
  type SpecWiring,
} from './spec-catalog.ts';
export { createSpecWiring, resolveModelSpec, specModule } from './spec-wiring.ts';
export {
  readDlq,
  replayDlq,
  parsePositions,
  REPLAYED_FROM_HEADER,
  type DlqEntry,
  type DlqSelection,
} from './dlq-tools.ts';
