/**
 * Threshold what-if: given evaluation data (scores of a labelled, time-ordered validation/test
 * window), the expected outcome of a (review, block) threshold pair. Pure: runs in the browser as
 * the sliders move and on the server when a policy is applied, with the same numbers.
 *
 * A transaction with score >= block is BLOCKed, review <= score < block goes to REVIEW, the rest
 * is APPROVEd (the scorer's rule). "Flagged" = REVIEW or BLOCK.
 */

/** Cumulative counts at a threshold: how many positives/negatives score >= threshold. */
export interface CurvePoint {
  threshold: number;
  tp: number;
  fp: number;
}

/** Evaluation data normalised to a descending-threshold step curve with totals. */
export interface EvaluationCurve {
  positives: number;
  negatives: number;
  /** Sorted by threshold, descending; counts non-decreasing. */
  points: CurvePoint[];
  /** Where the numbers came from, shown to the user. */
  source: string;
}

export interface CostModel {
  /** Cost of a fraud that is approved (missed). */
  missedFraud: number;
  /** Cost of blocking a legitimate transaction (customer friction, support). */
  falseBlock: number;
  /** Cost of an analyst reviewing one case. */
  review: number;
}
export const DEFAULT_COSTS: CostModel = { missedFraud: 100, falseBlock: 5, review: 2 };

export interface WhatIfResult {
  reviewThreshold: number;
  blockThreshold: number;
  /** Of flagged (REVIEW+BLOCK), the share that is fraud; null when nothing is flagged. */
  precision: number | null;
  /** Share of frauds flagged; null without positives. */
  recall: number | null;
  blockPrecision: number | null;
  blockRecall: number | null;
  /** Cases sent to REVIEW, and per 1,000 transactions. */
  reviewCount: number;
  reviewPer1000: number;
  blockCount: number;
  falseBlocks: number;
  missedFrauds: number;
  /** Total expected cost over the evaluation window and per 1,000 transactions. */
  cost: number;
  costPer1000: number;
}

/** Builds the exact step curve from raw scores and labels. */
export function curveFromScores(
  scores: readonly number[],
  labels: readonly (boolean | number)[],
  source = 'validation scores',
): EvaluationCurve {
  if (scores.length !== labels.length)
    throw new Error(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
  const rows = scores.map((s, i) => ({ s, y: labels[i] === true || labels[i] === 1 }));
  rows.sort((a, b) => b.s - a.s);
  const points: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.y) tp++;
    else fp++;
    // One point per distinct score, after all rows with that score are counted.
    if (i === rows.length - 1 || rows[i + 1]!.s !== row.s) points.push({ threshold: row.s, tp, fp });
  }
  return { positives: tp, negatives: fp, points, source };
}

/** Counts with score >= t: the last point whose threshold is >= t (0 if none). */
export function countsAt(curve: EvaluationCurve, t: number): { tp: number; fp: number } {
  // Binary search on the descending thresholds.
  let lo = 0;
  let hi = curve.points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (curve.points[mid]!.threshold >= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return { tp: 0, fp: 0 };
  const p = curve.points[found]!;
  return { tp: p.tp, fp: p.fp };
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function whatIf(
  curve: EvaluationCurve,
  reviewThreshold: number,
  blockThreshold: number,
  costs: CostModel = DEFAULT_COSTS,
): WhatIfResult {
  const review = Math.min(reviewThreshold, blockThreshold);
  const block = Math.max(reviewThreshold, blockThreshold);
  const flagged = countsAt(curve, review);
  const blocked = countsAt(curve, block);
  const total = curve.positives + curve.negatives;
  const reviewCount = flagged.tp + flagged.fp - blocked.tp - blocked.fp;
  const missedFrauds = curve.positives - flagged.tp;
  const cost = missedFrauds * costs.missedFraud + blocked.fp * costs.falseBlock + reviewCount * costs.review;
  return {
    reviewThreshold: review,
    blockThreshold: block,
    precision: ratio(flagged.tp, flagged.tp + flagged.fp),
    recall: ratio(flagged.tp, curve.positives),
    blockPrecision: ratio(blocked.tp, blocked.tp + blocked.fp),
    blockRecall: ratio(blocked.tp, curve.positives),
    reviewCount,
    reviewPer1000: total > 0 ? (reviewCount / total) * 1000 : 0,
    blockCount: blocked.tp + blocked.fp,
    falseBlocks: blocked.fp,
    missedFrauds,
    cost,
    costPer1000: total > 0 ? (cost / total) * 1000 : 0,
  };
}

/** Sweeps review thresholds (block fixed) for the cost curve chart. */
export function costSweep(
  curve: EvaluationCurve,
  blockThreshold: number,
  costs: CostModel,
  steps = 50,
): { threshold: number; costPer1000: number }[] {
  const out: { threshold: number; costPer1000: number }[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = (i / steps) * blockThreshold;
    out.push({ threshold: t, costPer1000: whatIf(curve, t, blockThreshold, costs).costPer1000 });
  }
  return out;
}
