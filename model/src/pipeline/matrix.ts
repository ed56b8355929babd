import type { Matrix } from '../api.ts';

/** Copies the given rows of a row-major matrix into a new matrix. */
export function takeRows(m: Matrix, rows: readonly number[]): Matrix {
  const data = new Float32Array(rows.length * m.cols);
  rows.forEach((r, k) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), k * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}

export function takeValues(src: ArrayLike<number>, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length);
  rows.forEach((r, k) => (out[k] = src[r] ?? 0));
  return out;
}

/** As takeValues, in float64 (money in minor units exceeds float32's exact integers). */
export function takeValues64(src: ArrayLike<number>, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((r, k) => (out[k] = src[r] ?? 0));
  return out;
}
