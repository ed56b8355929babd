/**
 * Seeded synthetic data for the native/ONNX/TreeSHAP tests: a noisy non-linear fraud-like
 * target, NaNs in some columns (XGBoost's "missing"), and quantised columns so that many rows
 * sit exactly on split thresholds (where x < t versus x <= t and float32 rounding matter).
 */
import type { Matrix, TrainParams } from '../../src/api.ts';
import { seededRandom } from '@fraud/common/testing';

export const prng = seededRandom;

export interface Dataset {
  matrix: Matrix;
  labels: Float32Array;
}

export interface SyntheticOptions {
  rows: number;
  cols: number;
  seed?: number;
  /** Share of NaN in the first third of the columns. */
  nanRate?: number;
}

export function synthetic(opts: SyntheticOptions): Dataset {
  const { rows, cols } = opts;
  const rand = prng(opts.seed ?? 1);
  const nanRate = opts.nanRate ?? 0.2;
  const nanCols = Math.max(1, Math.floor(cols / 3));
  const data = new Float32Array(rows * cols);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      let v = rand() * 4 - 2;
      if (c % 4 === 3) v = Math.round(v * 4) / 4; // quantised: many ties at split values
      if (c % 4 === 2) v = Math.exp(v * 2); // heavy tail, like amounts
      data[o + c] = c < nanCols && rand() < nanRate ? Number.NaN : v;
    }
    const x0 = data[o] ?? 0;
    const x1 = data[o + 1] ?? 0;
    const x3 = data[o + 3] ?? 0;
    const missing0 = Number.isNaN(x0);
    let z = (missing0 ? 0.8 : x0 * 1.2) + (Number.isNaN(x1) ? -0.5 : x1 * x1 * 0.6) + (x3 > 0.5 ? 1.1 : -0.3);
    z += (rand() - 0.5) * 2.5 - 1.6;
    labels[r] = z > 0 ? 1 : 0;
  }
  return { matrix: { data, rows, cols }, labels };
}

/** Rows [from, to) of a dataset (time-ordered slices, never shuffled). */
export function slice(d: Dataset, from: number, to: number): Dataset {
  const { cols } = d.matrix;
  return {
    matrix: { data: d.matrix.data.slice(from * cols, to * cols), rows: to - from, cols },
    labels: d.labels.slice(from, to),
  };
}

export function names(cols: number): string[] {
  return Array.from({ length: cols }, (_, i) => `f${i}`);
}

export const SMALL_PARAMS: TrainParams = {
  rounds: 60,
  earlyStoppingRounds: 10,
  maxDepth: 5,
  eta: 0.3,
  subsample: 0.9,
  colsampleBytree: 0.9,
  minChildWeight: 1,
  lambda: 1,
  scalePosWeight: null,
  baseScore: 0.3,
  nthread: 1,
  seed: 7,
};

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? Number.NaN) - (b[i] ?? Number.NaN));
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    m = Math.max(m, d);
  }
  return m;
}
