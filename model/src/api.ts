/**
 * Contracts between the parts of the model toolkit. Features fill a row-major Float32Array
 * (rows x featureNames.length); NaN means "missing" and follows XGBoost's default_left.
 */
import type { Reason } from '@fraud/schemas';

/** Hyper-parameters passed to XGBoost (binary:logistic, hist). */
export interface TrainParams {
  rounds: number;
  earlyStoppingRounds: number;
  maxDepth: number;
  eta: number;
  subsample: number;
  colsampleBytree: number;
  minChildWeight: number;
  lambda: number;
  /** null: computed from the data as negatives/positives. */
  scalePosWeight: number | null;
  baseScore?: number;
  /** Histogram bins per feature (XGBoost max_bin); XGBoost's default 256 when omitted. */
  maxBin?: number;
  nthread?: number;
  seed?: number;
}

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface TrainInput {
  train: Matrix;
  trainLabels: Float32Array;
  /** Optional per-row weights (XGDMatrixSetFloatInfo "weight"), one per training row. */
  trainWeights?: Float32Array;
  valid?: { matrix: Matrix; labels: Float32Array };
  params: TrainParams;
  featureNames: readonly string[];
  onProgress?: (round: number, total: number, validMetric?: number) => void;
}

export interface TrainResult {
  /** XGBoost's own JSON model (SaveModel as JSON), trimmed to the best iteration. */
  modelJson: string;
  bestIteration: number;
  rounds: number;
  scalePosWeight: number;
  seconds: number;
}

export interface Thresholds {
  review: number;
  block: number;
}

/** A model ready to serve: batch probabilities and exact TreeSHAP explanations. */
export interface ServingModel {
  version: string;
  featureSet: string;
  featureNames: readonly string[];
  /** Probabilities of fraud, one per row. */
  predict(matrix: Matrix): Promise<Float32Array>;
  /** Top-k reasons by |contribution| for one row (log-odds contributions). */
  explain(row: Float32Array, topK: number): Reason[];
  dispose(): Promise<void>;
}
