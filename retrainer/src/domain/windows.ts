import { partOf, planSplit, type Matrix, type SplitPlan } from '@fraud/model';
import type { LabelledRows } from '../store/training-store.ts';

/**
 * Train / validation / test row indices of labelled rows, by the toolkit's time-ordered split
 * (label-delay gaps between parts; rows inside a gap are used nowhere).
 */
export interface Split {
  plan: SplitPlan;
  train: number[];
  valid: number[];
  test: number[];
}

export function timeWindows(
  eventTime: Float64Array,
  opts: { validationFraction: number; testFraction: number; gapMs: number },
): Split {
  const plan = planSplit(eventTime, {
    gapMs: opts.gapMs,
    validFraction: opts.validationFraction,
    testFraction: opts.testFraction,
  });
  const split: Split = { plan, train: [], valid: [], test: [] };
  for (let i = 0; i < eventTime.length; i++) {
    const p = partOf(eventTime[i] ?? 0, plan);
    if (p !== 'gap') split[p].push(i);
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

/** Event-time bounds of a model's training window from its metadata (ours or the toolkit's). */
export function trainingWindowOf(metadata: Record<string, unknown>): { from: number; to: number } | null {
  const w = metadata.trainingWindow as { train?: { from?: unknown; to?: unknown } } | undefined;
  const t = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN);
  const from = t(w?.train?.from);
  const to = t(w?.train?.to);
  return Number.isFinite(from) && Number.isFinite(to) ? { from, to } : null;
}
