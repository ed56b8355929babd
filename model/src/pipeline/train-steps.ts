import { FraudError } from '@fraud/common';
import type { TransactionType } from '@fraud/schemas';
import type { Matrix, Thresholds, TrainParams, TrainResult } from '../api.ts';
import type { Costs } from '../eval/cost.ts';
import { evaluate, type EvalReport } from '../eval/report.ts';
import { xgboostJsonToOnnx } from '../onnx/convert.ts';
import { chooseF1Threshold } from '../policy/f1.ts';
import { createServingModel } from '../serving/serving-model.ts';
import { verifyParity } from '../serving/verify.ts';
import { trainXGBoost } from '../xgboost/train.ts';
import { takeRows, takeValues, takeValues64 } from './matrix.ts';
import type { SpecMetadata } from './model-spec.ts';
import { partOf, type SplitPlan } from './split.ts';
import type { LabeledRow, PipelineInput, WindowInfo } from './train.ts';

/** The steps of trainPipeline (train.ts), in the order it runs them. */

export type Progress = NonNullable<PipelineInput['onProgress']>;
export type PartIndices = Record<'train' | 'valid' | 'test', number[]>;

/** One part of the split, column by column, ready for training and evaluation. */
export interface Subset {
  matrix: Matrix;
  labels: Float32Array;
  weights: Float32Array | undefined;
  amounts: Float64Array;
  types: TransactionType[];
  typologies: (string | null)[];
}

export interface Subsets {
  train: Subset;
  valid: Subset;
  test: Subset | null;
}

/** Event-time order; rows with the same event time keep their input order. */
export function sortByEventTime(rows: readonly LabeledRow[]): LabeledRow[] {
  return [...rows]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.tx.eventTime - b.r.tx.eventTime || a.i - b.i)
    .map((x) => x.r);
}

/** Row indices of each part; rows inside a gap belong to none. Fails when train or valid is empty. */
export function splitIndices(sorted: readonly LabeledRow[], plan: SplitPlan): PartIndices {
  const parts: PartIndices = { train: [], valid: [], test: [] };
  sorted.forEach((r, i) => {
    const p = partOf(r.tx.eventTime, plan);
    if (p !== 'gap') parts[p].push(i);
  });
  if (parts.train.length === 0 || parts.valid.length === 0) {
    throw new FraudError(
      'CONFIG_INVALID',
      `time split left ${parts.train.length} training and ${parts.valid.length} validation rows; ` +
        'use more data or a smaller gap',
    );
  }
  return parts;
}

export function buildSubsets(
  sorted: readonly LabeledRow[],
  features: Matrix,
  parts: PartIndices,
  negativeWeight: number,
): Subsets {
  const labels = Float32Array.from(sorted, (r) => (r.isFraud ? 1 : 0));
  const weights = negativeWeight === 1 ? undefined : Float32Array.from(sorted, (r) => (r.isFraud ? 1 : negativeWeight));
  const amounts = Float64Array.from(sorted, (r) => r.tx.amount);
  const sub = (idx: number[]): Subset => ({
    matrix: takeRows(features, idx),
    labels: takeValues(labels, idx),
    weights: weights === undefined ? undefined : takeValues(weights, idx),
    amounts: takeValues64(amounts, idx),
    types: idx.map((i) => sorted[i]?.tx.type as TransactionType),
    typologies: idx.map((i) => sorted[i]?.typology ?? null),
  });
  return { train: sub(parts.train), valid: sub(parts.valid), test: parts.test.length > 0 ? sub(parts.test) : null };
}

export async function trainBooster(
  train: Subset,
  valid: Subset,
  params: TrainParams,
  progress: Progress,
  featureNames: readonly string[],
): Promise<TrainResult> {
  progress('train', 0, params.rounds);
  return trainXGBoost({
    train: train.matrix,
    trainLabels: train.labels,
    valid: { matrix: valid.matrix, labels: valid.labels },
    params,
    featureNames,
    onProgress: (round, total, metric) =>
      progress('train', round, total, metric === undefined ? undefined : `valid aucpr ${metric.toFixed(4)}`),
  });
}

/** ONNX export, checked against XGBoost on the validation matrix. */
export async function exportOnnx(
  modelJson: string,
  version: string,
  check: Matrix,
  spec: SpecMetadata,
): Promise<{ onnx: Uint8Array; parityMaxAbsDiff: number }> {
  const onnx = xgboostJsonToOnnx(modelJson, {
    featureNames: spec.featureNames,
    metadata: { version, featureSet: spec.featureSet, featureSpecHash: spec.featureSpecHash },
  });
  const parityMaxAbsDiff = await verifyParity(modelJson, onnx, check);
  return { onnx, parityMaxAbsDiff };
}

/** Scores with the exported model: thresholds are chosen on exactly what the scorer computes. */
export async function scoreExported(
  model: { version: string; onnx: Uint8Array; modelJson: string },
  subsets: Subsets,
  spec: SpecMetadata,
): Promise<{ valid: Float32Array; test: Float32Array | null }> {
  const serving = await createServingModel({
    ...model,
    featureSet: spec.featureSet,
    featureNames: spec.featureNames,
  });
  try {
    const valid = await serving.predict(subsets.valid.matrix);
    const test = subsets.test === null ? null : await serving.predict(subsets.test.matrix);
    return { valid, test };
  } finally {
    await serving.dispose();
  }
}

export function evaluateAt(s: Subset, scores: Float32Array, thresholds: Thresholds, costs: Costs): EvalReport {
  return evaluate({
    scores,
    labels: s.labels,
    amountsMinor: s.amounts,
    types: s.types,
    typologies: s.typologies,
    weights: s.weights,
    thresholds,
    costs,
  });
}

/** For comparing models: one threshold maximising F1 on validation, evaluated the same way. */
export function evaluateAtF1(
  subsets: Subsets,
  scores: { valid: Float32Array; test: Float32Array | null },
  costs: Costs,
): { threshold: number; validation: EvalReport; test: EvalReport | null } {
  const { valid, test } = subsets;
  const f1 = chooseF1Threshold(scores.valid, valid.labels, valid.weights);
  const thresholds = { review: f1.threshold, block: f1.threshold };
  return {
    threshold: f1.threshold,
    validation: evaluateAt(valid, scores.valid, thresholds, costs),
    test: test === null || scores.test === null ? null : evaluateAt(test, scores.test, thresholds, costs),
  };
}

const iso = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString() : 'open');

export function windowInfo(sorted: readonly LabeledRow[], idx: readonly number[]): WindowInfo {
  const first = sorted[idx[0] ?? -1]?.tx.eventTime ?? NaN;
  const last = sorted[idx[idx.length - 1] ?? -1]?.tx.eventTime ?? NaN;
  return {
    from: iso(first),
    to: iso(last),
    rows: idx.length,
    frauds: idx.filter((i) => sorted[i]?.isFraud === true).length,
  };
}

export function defaultVersion(fingerprint: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `v${stamp}-${fingerprint.slice(0, 8)}`;
}
