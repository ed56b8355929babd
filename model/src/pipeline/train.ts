import { join } from 'node:path';
import { FraudError } from '@fraud/common';
import type { Transaction, TransactionType } from '@fraud/schemas';
import type { Thresholds, TrainParams, TrainResult } from '../api.ts';
import { evaluate, type EvalReport } from '../eval/report.ts';
import type { Costs } from '../eval/cost.ts';
import { FEATURE_NAMES, FEATURE_SET } from '../features/names.ts';
import { featuresForFile } from '../features/compute.ts';
import { resolveFeatureOptions, type FeatureOptions } from '../features/state.ts';
import { xgboostJsonToOnnx } from '../onnx/convert.ts';
import { chooseThresholds, type ThresholdChoice } from '../policy/thresholds.ts';
import { chooseF1Threshold } from '../policy/f1.ts';
import { writeArtifact, type ArtifactMetadata } from '../serving/artifact.ts';
import { createServingModel } from '../serving/serving-model.ts';
import { verifyParity } from '../serving/verify.ts';
import { trainXGBoost } from '../xgboost/train.ts';
import { dataFingerprint } from './fingerprint.ts';
import { featureImportance, type FeatureImportance } from './importance.ts';
import { takeRows, takeValues, takeValues64 } from './matrix.ts';
import { partOf, planSplit, type SplitOptions, type SplitPlan } from './split.ts';

/**
 * Training end to end: features in event-time order (the same code the scorer runs), a
 * time-ordered split with label-delay gaps, XGBoost through its C API, thresholds by expected
 * cost on validation, evaluation on the future, ONNX export checked against XGBoost, artifact.
 */
export interface LabeledRow {
  tx: Transaction;
  isFraud: boolean;
  typology?: string | null;
}

export type PipelineStage = 'features' | 'train' | 'thresholds' | 'evaluate' | 'export';

export interface PipelineInput {
  rows: readonly LabeledRow[];
  params: TrainParams;
  costs: Costs;
  split?: SplitOptions;
  /** Overrides the planned split (e.g. explicit step boundaries). */
  plan?: SplitPlan;
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

const iso = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString() : 'open');

function windowInfo(sorted: readonly LabeledRow[], idx: readonly number[]): WindowInfo {
  const first = sorted[idx[0] ?? -1]?.tx.eventTime ?? NaN;
  const last = sorted[idx[idx.length - 1] ?? -1]?.tx.eventTime ?? NaN;
  return {
    from: iso(first),
    to: iso(last),
    rows: idx.length,
    frauds: idx.filter((i) => sorted[i]?.isFraud === true).length,
  };
}

function defaultVersion(fingerprint: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `v${stamp}-${fingerprint.slice(0, 8)}`;
}

/** Compact metrics for metadata.json (the curves are stored separately). */
export function summarise(r: EvalReport): Record<string, unknown> {
  const { prCurve: _pr, byType, ...rest } = r;
  return { ...rest, byType: Object.fromEntries(Object.entries(byType).map(([t, s]) => [t, { ...s }])) };
}

export async function trainPipeline(input: PipelineInput): Promise<PipelineResult> {
  const progress = input.onProgress ?? (() => undefined);
  const sorted = [...input.rows]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.tx.eventTime - b.r.tx.eventTime || a.i - b.i)
    .map((x) => x.r);
  const featureOptions = resolveFeatureOptions(input.featureOptions);
  const features = featuresForFile(
    sorted.map((r) => r.tx),
    { ...featureOptions, onProgress: (d, t) => progress('features', d, t) },
  );

  const plan =
    input.plan ??
    planSplit(
      sorted.map((r) => r.tx.eventTime),
      input.split,
    );
  const parts: Record<'train' | 'valid' | 'test', number[]> = { train: [], valid: [], test: [] };
  sorted.forEach((r, i) => {
    const p = partOf(r.tx.eventTime, plan);
    if (p !== 'gap') parts[p].push(i);
  });
  if (parts.train.length === 0 || parts.valid.length === 0) {
    throw new FraudError(
      'CONFIG_INVALID',
      `time split left ${parts.train.length} training and ${parts.valid.length} validation rows; use more data or a smaller gap`,
    );
  }
  const labels = Float32Array.from(sorted, (r) => (r.isFraud ? 1 : 0));
  const negW = input.negativeWeight ?? 1;
  const weights = negW === 1 ? undefined : Float32Array.from(sorted, (r) => (r.isFraud ? 1 : negW));
  const amounts = Float64Array.from(sorted, (r) => r.tx.amount);
  const sub = (idx: number[]) => ({
    matrix: takeRows(features, idx),
    labels: takeValues(labels, idx),
    weights: weights === undefined ? undefined : takeValues(weights, idx),
    amounts: takeValues64(amounts, idx),
    types: idx.map((i) => sorted[i]?.tx.type as TransactionType),
    typologies: idx.map((i) => sorted[i]?.typology ?? null),
  });
  const train = sub(parts.train);
  const valid = sub(parts.valid);
  const test = parts.test.length > 0 ? sub(parts.test) : null;

  progress('train', 0, input.params.rounds);
  const trained = await trainXGBoost({
    train: train.matrix,
    trainLabels: train.labels,
    valid: { matrix: valid.matrix, labels: valid.labels },
    params: input.params,
    featureNames: FEATURE_NAMES,
    onProgress: (round, total, metric) =>
      progress('train', round, total, metric === undefined ? undefined : `valid aucpr ${metric.toFixed(4)}`),
  });

  progress('export', 0, 1);
  const fingerprint = dataFingerprint(sorted);
  const version = input.version ?? defaultVersion(fingerprint);
  const onnx = xgboostJsonToOnnx(trained.modelJson, {
    featureNames: FEATURE_NAMES,
    metadata: { version, featureSet: FEATURE_SET },
  });
  const parityMaxAbsDiff = await verifyParity(trained.modelJson, onnx, valid.matrix);
  progress('export', 1, 1);

  // score with the exported model: the thresholds are chosen on exactly what the scorer computes
  const serving = await createServingModel({
    version,
    featureSet: FEATURE_SET,
    featureNames: FEATURE_NAMES,
    onnx,
    modelJson: trained.modelJson,
  });
  let validScores: Float32Array;
  let testScores: Float32Array | null;
  try {
    validScores = await serving.predict(valid.matrix);
    testScores = test === null ? null : await serving.predict(test.matrix);
  } finally {
    await serving.dispose();
  }

  progress('thresholds', 0, 1);
  const choice = chooseThresholds({
    scores: validScores,
    labels: valid.labels,
    amountsMinor: valid.amounts,
    weights: valid.weights,
    costs: input.costs,
    maxReviewRate: input.maxReviewRate,
    maxBlockRate: input.maxBlockRate,
  });
  progress('thresholds', 1, 1);
  progress('evaluate', 0, 1);
  const evalOf = (s: ReturnType<typeof sub>, scores: Float32Array): EvalReport =>
    evaluate({
      scores,
      labels: s.labels,
      amountsMinor: s.amounts,
      types: s.types,
      typologies: s.typologies,
      weights: s.weights,
      thresholds: choice.thresholds,
      costs: input.costs,
    });
  const validation = evalOf(valid, validScores);
  const testReport = test === null || testScores === null ? null : evalOf(test, testScores);
  const f1 = chooseF1Threshold(validScores, valid.labels, valid.weights);
  const f1Thresholds = { review: f1.threshold, block: f1.threshold };
  const evalF1 = (s: ReturnType<typeof sub>, scores: Float32Array): EvalReport =>
    evaluate({
      scores,
      labels: s.labels,
      amountsMinor: s.amounts,
      types: s.types,
      typologies: s.typologies,
      weights: s.weights,
      thresholds: f1Thresholds,
      costs: input.costs,
    });
  const atF1 = {
    threshold: f1.threshold,
    validation: evalF1(valid, validScores),
    test: test === null || testScores === null ? null : evalF1(test, testScores),
  };
  const importance = featureImportance(trained.modelJson, FEATURE_NAMES, (test ?? valid).matrix);
  progress('evaluate', 1, 1);

  const windows = {
    train: windowInfo(sorted, parts.train),
    valid: windowInfo(sorted, parts.valid),
    test: parts.test.length > 0 ? windowInfo(sorted, parts.test) : null,
    gapMs: plan.gapMs,
  };
  const metadataInput = {
    version,
    featureSet: FEATURE_SET,
    featureNames: [...FEATURE_NAMES],
    featureOptions,
    thresholds: choice.thresholds,
    costs: input.costs,
    maxReviewRate: input.maxReviewRate ?? 1,
    maxBlockRate: input.maxBlockRate ?? 1,
    negativeWeight: negW,
    costCurve: {
      review: choice.reviewCurve,
      block: choice.blockCurve,
      validationCost: choice.cost,
      approveAllCost: choice.approveAllCost,
    },
    prCurve: { validation: validation.prCurve, test: testReport?.prCurve ?? null },
    confusion: { validation: confusionOf(validation), test: testReport === null ? null : confusionOf(testReport) },
    featureImportance: importance,
    trainingWindow: windows,
    dataFingerprint: { sha256: fingerprint, rows: sorted.length },
    metrics: { validation: summarise(validation), test: testReport === null ? null : summarise(testReport) },
    metricsAtF1Threshold: {
      threshold: atF1.threshold,
      validation: summarise(atF1.validation),
      test: atF1.test === null ? null : summarise(atF1.test),
    },
    training: {
      params: input.params,
      bestIteration: trained.bestIteration,
      rounds: trained.rounds,
      scalePosWeight: trained.scalePosWeight,
      seconds: trained.seconds,
    },
    parityMaxAbsDiff,
    provenance: input.provenance ?? {},
  };
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

function confusionOf(r: EvalReport): Record<string, unknown> {
  const { tp, fp, tn, fn } = r.flagged;
  return { flagged: { tp, fp, tn, fn }, decisions: r.cost.decisions };
}
