import { join } from 'node:path';
import type { Transaction } from '@fraud/schemas';
import type { Thresholds, TrainParams, TrainResult } from '../api.ts';
import type { EvalReport } from '../eval/report.ts';
import type { Costs } from '../eval/cost.ts';
import type { CompiledFeatureSpec } from '../features/engine/compile.ts';
import type { FeatureSpec } from '../features/spec/schema.ts';
import { resolveFeatureOptions, type FeatureOptions } from '../features/state.ts';
import { chooseThresholds, type ThresholdChoice } from '../policy/thresholds.ts';
import { writeArtifact, type ArtifactMetadata } from '../serving/artifact.ts';
import { dataFingerprint } from './fingerprint.ts';
import { featureImportance, type FeatureImportance } from './importance.ts';
import { planSplit, type SplitOptions, type SplitPlan } from './split.ts';
import { labelEvents, specMetadata, trainingSpec } from './model-spec.ts';
import { buildMetadata } from './train-metadata.ts';
import {
  buildSubsets,
  defaultVersion,
  evaluateAt,
  evaluateAtF1,
  exportOnnx,
  scoreExported,
  sortByEventTime,
  splitIndices,
  trainBooster,
  windowInfo,
} from './train-steps.ts';

/**
 * Training end to end: features of a feature spec in event-time order (the same engine the
 * scorer runs), a time-ordered split with label-delay gaps, XGBoost through its C API, thresholds
 * by expected cost on validation, evaluation on the future, ONNX export checked against XGBoost,
 * artifact carrying the spec (featureSpec, its name@version and hash).
 */
export interface LabeledRow {
  tx: Transaction;
  isFraud: boolean;
  typology?: string | null;
  /** When the label arrived on `labels` (label features see it from then on); default eventTime + labelDelayMs. */
  labeledAt?: number | null;
}

export type PipelineStage = 'features' | 'train' | 'thresholds' | 'evaluate' | 'export';

export interface PipelineInput {
  rows: readonly LabeledRow[];
  params: TrainParams;
  costs: Costs;
  split?: SplitOptions;
  /** Overrides the planned split (e.g. explicit step boundaries). */
  plan?: SplitPlan;
  /** The feature spec: a shipped name (fs-v2, payments-v1), a spec file, a spec or a compiled one; default fs-v2. */
  spec?: string | FeatureSpec | CompiledFeatureSpec;
  /** When each label arrived, for rows without labeledAt: eventTime + this (label features need it). */
  labelDelayMs?: number;
  /** fs-v2's options (retention, per-account caps), written into the spec's bounds. */
  featureOptions?: Partial<FeatureOptions>;
  /** Weight of a legitimate row in evaluation and thresholds (over-sampled files); default 1. */
  negativeWeight?: number;
  maxReviewRate?: number;
  /** Most transactions (fraction) that may be blocked; default 1 (no cap). */
  maxBlockRate?: number;
  /** Root directory for artifacts; the model goes to <outDir>/<version>/. Omit to skip writing. */
  outDir?: string;
  version?: string;
  /** Extra facts recorded in metadata.json (source file, command line...). */
  provenance?: Record<string, unknown>;
  onProgress?: (stage: PipelineStage, done: number, total: number, note?: string) => void;
}

export interface WindowInfo {
  from: string;
  to: string;
  rows: number;
  frauds: number;
}

export interface PipelineResult {
  version: string;
  dir: string | null;
  thresholds: Thresholds;
  choice: ThresholdChoice;
  validation: EvalReport;
  test: EvalReport | null;
  train: TrainResult;
  importance: FeatureImportance[];
  /** For comparing models: one threshold maximising F1 on validation, evaluated the same way. */
  atF1: { threshold: number; validation: EvalReport; test: EvalReport | null };
  windows: { train: WindowInfo; valid: WindowInfo; test: WindowInfo | null; gapMs: number };
  fingerprint: string;
  parityMaxAbsDiff: number;
  metadata: ArtifactMetadata | Record<string, unknown>;
  modelJson: string;
  onnx: Uint8Array;
}

export { summarise } from './train-metadata.ts';

export async function trainPipeline(input: PipelineInput): Promise<PipelineResult> {
  const progress = input.onProgress ?? (() => undefined);
  const sorted = sortByEventTime(input.rows);
  const featureOptions = resolveFeatureOptions(input.featureOptions);
  const spec = trainingSpec(input.spec, input.featureOptions);
  const specMeta = specMetadata(spec);
  const features = spec.computeFile(
    sorted.map((r) => r.tx),
    labelEvents(spec, sorted, input.labelDelayMs),
    { onProgress: (d, t) => progress('features', d, t) },
  );
  const plan =
    input.plan ??
    planSplit(
      sorted.map((r) => r.tx.eventTime),
      input.split,
    );
  const parts = splitIndices(sorted, plan);
  const subsets = buildSubsets(sorted, features, parts, input.negativeWeight ?? 1);
  const { train, valid, test } = subsets;
  const trained = await trainBooster(train, valid, input.params, progress, specMeta.featureNames);

  progress('export', 0, 1);
  const fingerprint = dataFingerprint(sorted);
  const version = input.version ?? defaultVersion(fingerprint);
  const { onnx, parityMaxAbsDiff } = await exportOnnx(trained.modelJson, version, valid.matrix, specMeta);
  progress('export', 1, 1);
  const scores = await scoreExported({ version, onnx, modelJson: trained.modelJson }, subsets, specMeta);

  progress('thresholds', 0, 1);
  const choice = chooseThresholds({
    scores: scores.valid,
    labels: valid.labels,
    amountsMinor: valid.amounts,
    weights: valid.weights,
    costs: input.costs,
    maxReviewRate: input.maxReviewRate,
    maxBlockRate: input.maxBlockRate,
  });
  progress('thresholds', 1, 1);

  progress('evaluate', 0, 1);
  const validation = evaluateAt(valid, scores.valid, choice.thresholds, input.costs);
  const testReport =
    test === null || scores.test === null ? null : evaluateAt(test, scores.test, choice.thresholds, input.costs);
  const atF1 = evaluateAtF1(subsets, scores, input.costs);
  const importance = featureImportance(trained.modelJson, specMeta.featureNames, (test ?? valid).matrix);
  progress('evaluate', 1, 1);

  const windows = {
    train: windowInfo(sorted, parts.train),
    valid: windowInfo(sorted, parts.valid),
    test: parts.test.length > 0 ? windowInfo(sorted, parts.test) : null,
    gapMs: plan.gapMs,
  };
  const metadataInput = buildMetadata(input, {
    version,
    spec: specMeta,
    featureOptions,
    choice,
    validation,
    test: testReport,
    atF1,
    importance,
    windows,
    fingerprint,
    rows: sorted.length,
    trained,
    parityMaxAbsDiff,
  });
  const dir = input.outDir === undefined ? null : join(input.outDir, version);
  const metadata =
    dir === null
      ? metadataInput
      : await writeArtifact(dir, { onnx, modelJson: trained.modelJson, metadata: metadataInput });
  return {
    version,
    dir,
    thresholds: choice.thresholds,
    choice,
    validation,
    test: testReport,
    train: trained,
    importance,
    atF1,
    windows,
    fingerprint,
    parityMaxAbsDiff,
    metadata,
    modelJson: trained.modelJson,
    onnx,
  };
}
