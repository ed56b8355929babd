import type { Matrix } from '@fraud/model';
import type { LabelledRows } from '../store/training-store.ts';

/**
 * Time-ordered train / validation / test windows over labelled rows sorted by event time:
 * test is the most recent testFraction of the rows, validation the validationFraction before
 * it, train everything older; each boundary is followed by a label-delay gap in event time
 * (rows inside a gap are left out), so no window sees labels from the future of the next.
 */
export interface Split {
  train: number[];
  valid: number[];
  test: number[];
  bounds: { trainFrom: number; trainTo: number; validFrom: number; validTo: number; testFrom: number; testTo: number };
}

export function timeWindows(eventTime: Float64Array, opts: { validationFraction: number; testFraction: number; gapMs: number }): Split {
  const n = eventTime.length;
  const at = (i: number): number => eventTime[Math.max(0, Math.min(n - 1, i))] ?? 0;
  const testStart = at(Math.floor(n * (1 - opts.testFraction)));
  const validEnd = testStart - opts.gapMs;
  // Validation takes validationFraction of the rows before the gap.
  let lastValid = -1;
  for (let i = 0; i < n; i++) if ((eventTime[i] ?? 0) < validEnd) lastValid = i;
  const validStart = at(Math.floor((lastValid + 1) - n * opts.validationFraction));
  const trainEnd = validStart - opts.gapMs;
  const split: Split = { train: [], valid: [], test: [], bounds: { trainFrom: at(0), trainTo: trainEnd, validFrom: validStart, validTo: validEnd, testFrom: testStart, testTo: at(n - 1) } };
  for (let i = 0; i < n; i++) {
    const t = eventTime[i] ?? 0;
    if (t >= testStart) split.test.push(i);
    else if (t >= validStart && t < validEnd) split.valid.push(i);
    else if (t < trainEnd) split.train.push(i);
  }
  return split;
}

/** Rows `idx` of the labelled set as a model Matrix and label vector. */
export function take(rows: LabelledRows, idx: readonly number[]): { matrix: Matrix; labels: Float32Array } {
  const cols = rows.cols;
  const data = new Float32Array(idx.length * cols);
  const labels = new Float32Array(idx.length);
  idx.forEach((r, i) => {
    data.set(rows.features.subarray(r * cols, (r + 1) * cols), i * cols);
    labels[i] = rows.labels[r] ?? 0;
  });
  return { matrix: { data, rows: idx.length, cols }, labels };
}
