import { FraudError } from '@fraud/common';
import type { Matrix, TrainParams } from '../api.ts';
import { DAY_MS } from '../features/names.ts';
import { featureImportance } from '../pipeline/importance.ts';
import { takeRows, takeValues } from '../pipeline/matrix.ts';
import { loadNativeModel } from '../xgboost/predict.ts';
import { trainXGBoost } from '../xgboost/train.ts';
import { averagePrecision, classTotals, weightsFor } from './metrics.ts';
import { cardPrecisionAtK, recallAtReviewRate, rocAuc } from './ranking.ts';

/**
 * The quality benchmark's protocol (bench/quality.ts, docs/model.md "Quality as a benchmark"),
 * after the Reproducible Machine Learning for Credit Card Fraud Detection handbook: train on a
 * window, skip a delay as long as the label delay (every training label has arrived before the
 * first test decision; the rows in the delay still feed the features as history, their labels
 * train nothing), test on the window after it. Two models on the same rows: the spec's features,
 * and a reference without its label-derived features, so the value of label features is measured.
 * Training uses fixed rounds (no validation window: the handbook's protocol has none).
 */

export const CARD_PRECISION_K = 100;
export const REVIEW_RATE = 0.01;

/** [from, to) in epoch ms. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface QualitySplit {
  train: TimeWindow;
  test: TimeWindow;
}

/** The rows of one data set, in event-time order, with their features already computed. */
export interface QualityData {
  eventTimes: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** The card of each row (a card = the origin account). */
  cards: readonly string[];
  features: Matrix;
  featureNames: readonly string[];
  /** Columns computed from labels (dropped for the reference model). */
  labelFeatures: readonly string[];
  /** Weight of a legitimate row in the metrics (files with over-sampled fraud); default 1. */
  negativeWeight?: number;
}

export interface ModelQuality {
  features: number;
  auprc: number;
  roc_auc: number;
  cp_at_100_per_day: number;
  cp_days: number;
  recall_at_1pct_review: number;
  /** The most a 1% review could catch: min(1, reviewed / frauds), below 1 when fraud exceeds 1% of the test rows. */
  recall_at_1pct_review_ceiling: number;
  /** Top features by total split gain, as a share of the model's total gain. */
  top_features: { feature: string; gain_share: number }[];
  train_seconds: number;
  rounds: number;
}

export interface QualityResult {
  rows: { train: number; test: number };
  frauds: { train: number; test: number };
  split: {
    train: { from: string; to: string };
    delay: { from: string; to: string };
    test: { from: string; to: string };
  };
  label_features: string[];
  models: { with_label_features: ModelQuality; without_label_features: ModelQuality };
}

export type QualityProgress = (model: string, stage: 'train' | 'score', done: number, total: number) => void;

/** The last `testDays`, the `delayDays` before them and the `trainDays` before those, of data ending at `end`. */
export function splitBackFrom(end: number, windowMs: { train: number; delay: number; test: number }): QualitySplit {
  const testFrom = end - windowMs.test;
  const trainTo = testFrom - windowMs.delay;
  return { train: { from: trainTo - windowMs.train, to: trainTo }, test: { from: testFrom, to: end } };
}

/** Row indices inside a window. */
export function rowsIn(eventTimes: ArrayLike<number>, w: TimeWindow): number[] {
  const out: number[] = [];
  for (let i = 0; i < eventTimes.length; i++) {
    const t = eventTimes[i] ?? Number.NaN;
    if (t >= w.from && t < w.to) out.push(i);
  }
  return out;
}

/** The matrix without the named columns. */
export function dropColumns(m: Matrix, names: readonly string[], drop: readonly string[]): Matrix {
  const keep = names.map((n, j) => (drop.includes(n) ? -1 : j)).filter((j) => j >= 0);
  const data = new Float32Array(m.rows * keep.length);
  for (let r = 0; r < m.rows; r++) {
    keep.forEach((j, k) => (data[r * keep.length + k] = m.data[r * m.cols + j] ?? Number.NaN));
  }
  return { data, rows: m.rows, cols: keep.length };
}

/** The benchmark's metrics for scores of the test rows (metrics weighted; Card Precision counts cards). */
export function testMetrics(input: {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  cards: readonly string[];
  eventTimes: ArrayLike<number>;
  negativeWeight?: number;
}): Omit<ModelQuality, 'features' | 'top_features' | 'train_seconds' | 'rounds'> {
  const { scores, labels } = input;
  const weights =
    input.negativeWeight === undefined || input.negativeWeight === 1
      ? undefined
      : weightsFor(labels, input.negativeWeight);
  const days = Float64Array.from({ length: scores.length }, (_, i) => Math.floor((input.eventTimes[i] ?? 0) / DAY_MS));
  const cp = cardPrecisionAtK({ scores, labels, cards: input.cards, days, k: CARD_PRECISION_K });
  const { positives, negatives } = classTotals(labels, weights);
  return {
    auprc: averagePrecision(scores, labels, weights),
    roc_auc: rocAuc(scores, labels, weights),
    cp_at_100_per_day: cp.mean,
    cp_days: cp.perDay.length,
    recall_at_1pct_review: recallAtReviewRate(scores, labels, REVIEW_RATE, weights),
    recall_at_1pct_review_ceiling: Math.min(1, (REVIEW_RATE * (positives + negatives)) / positives),
  };
}

const iso = (t: number): string => new Date(t).toISOString();

function gainShares(modelJson: string, names: readonly string[], sample: Matrix): ModelQuality['top_features'] {
  const imp = featureImportance(modelJson, names, sample, 200);
  const total = imp.reduce((s, f) => s + f.gain, 0);
  return imp
    .filter((f) => f.gain > 0)
    .sort((a, b) => b.gain - a.gain)
    .slice(0, 10)
    .map((f) => ({ feature: f.feature, gain_share: total === 0 ? 0 : Number((f.gain / total).toFixed(4)) }));
}

async function trainAndTest(
  name: string,
  data: QualityData,
  names: readonly string[],
  features: Matrix,
  idx: { train: number[]; test: number[] },
  params: TrainParams,
  progress: QualityProgress,
): Promise<ModelQuality> {
  const train = takeRows(features, idx.train);
  const test = takeRows(features, idx.test);
  const trained = await trainXGBoost({
    train,
    trainLabels: takeValues(data.labels, idx.train),
    params,
    featureNames: names,
    onProgress: (round, total) => progress(name, 'train', round, total),
  });
  progress(name, 'score', 0, test.rows);
  const native = loadNativeModel(trained.modelJson, { nthread: params.nthread });
  let scores: Float32Array;
  try {
    scores = native.predict(test);
  } finally {
    native.free();
  }
  progress(name, 'score', test.rows, test.rows);
  const metrics = testMetrics({
    scores,
    labels: takeValues(data.labels, idx.test),
    cards: idx.test.map((i) => data.cards[i] ?? ''),
    eventTimes: Float64Array.from(idx.test, (i) => data.eventTimes[i] ?? 0),
    negativeWeight: data.negativeWeight,
  });
  return {
    features: names.length,
    ...metrics,
    top_features: gainShares(trained.modelJson, names, test),
    train_seconds: Number(trained.seconds.toFixed(2)),
    rounds: trained.rounds,
  };
}

/** Trains and tests the spec's model and its reference without label features on one split. */
export async function runQuality(
  data: QualityData,
  split: QualitySplit,
  params: TrainParams,
  progress: QualityProgress = () => undefined,
): Promise<QualityResult> {
  const idx = { train: rowsIn(data.eventTimes, split.train), test: rowsIn(data.eventTimes, split.test) };
  const frauds = (rows: number[]): number => rows.filter((i) => (data.labels[i] ?? 0) > 0.5).length;
  if (frauds(idx.train) === 0 || frauds(idx.test) === 0 || frauds(idx.train) === idx.train.length) {
    throw new FraudError(
      'CONFIG_INVALID',
      `quality split needs fraud and legitimate rows in train and fraud in test (train ${idx.train.length} rows, ` +
        `${frauds(idx.train)} fraud; test ${idx.test.length} rows, ${frauds(idx.test)} fraud); widen the windows`,
    );
  }
  const missing = data.labelFeatures.filter((n) => !data.featureNames.includes(n));
  if (missing.length > 0) throw new FraudError('CONFIG_INVALID', `label features not in the matrix: ${missing}`);
  const withLabels = await trainAndTest(
    'with label features',
    data,
    data.featureNames,
    data.features,
    idx,
    params,
    progress,
  );
  const refNames = data.featureNames.filter((n) => !data.labelFeatures.includes(n));
  const refMatrix = dropColumns(data.features, data.featureNames, data.labelFeatures);
  const without = await trainAndTest('without label features', data, refNames, refMatrix, idx, params, progress);
  return {
    rows: { train: idx.train.length, test: idx.test.length },
    frauds: { train: frauds(idx.train), test: frauds(idx.test) },
    split: {
      train: { from: iso(split.train.from), to: iso(split.train.to) },
      delay: { from: iso(split.train.to), to: iso(split.test.from) },
      test: { from: iso(split.test.from), to: iso(split.test.to) },
    },
    label_features: [...data.labelFeatures],
    models: { with_label_features: withLabels, without_label_features: without },
  };
}
