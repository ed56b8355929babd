import { FraudError } from '@fraud/common';
import type { Thresholds } from '../api.ts';
import { MINOR_PER_MAJOR, type Costs } from '../eval/cost.ts';

/**
 * Chooses the REVIEW and BLOCK thresholds that minimise the expected cost on validation data
 * (see eval/cost.ts for the cost of each decision). Exhaustive over a grid of candidate
 * thresholds placed between distinct validation scores: rows are binned once, then every
 * (review <= block) pair is costed from prefix sums in O(K^2).
 */
export interface ThresholdInput {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  amountsMinor: ArrayLike<number>;
  weights?: ArrayLike<number>;
  costs: Costs;
  /** Upper bound on the (weighted) fraction of transactions sent to review; default 1. */
  maxReviewRate?: number;
  /**
   * Upper bound on the (weighted) fraction of transactions blocked; default 1. Without it, a
   * small validation window with a few large frauds makes "block everything" the cheapest pair.
   */
  maxBlockRate?: number;
  /** Grid size; default 600. */
  maxCandidates?: number;
}

export interface CostPoint {
  threshold: number;
  cost: number;
}

export interface ThresholdChoice {
  thresholds: Thresholds;
  /** Expected cost on the validation rows at the chosen thresholds (major units, weighted). */
  cost: number;
  /** Cost of approving everything, for scale. */
  approveAllCost: number;
  /** Cost vs the review threshold, each with its best block threshold. */
  reviewCurve: CostPoint[];
  /** Cost vs the block threshold, review fixed at the chosen one. */
  blockCurve: CostPoint[];
  candidates: number;
}

/** A threshold no probability reaches: "never". */
export const NEVER = 1.000001;

function grid(scores: ArrayLike<number>, labels: ArrayLike<number>, max: number): number[] {
  const all = Float64Array.from(scores).sort();
  const pos = Float64Array.from({ length: scores.length }, (_, i) => ((labels[i] ?? 0) > 0.5 ? (scores[i] ?? 0) : NaN))
    .filter((x) => !Number.isNaN(x))
    .sort();
  const picks = new Set<number>();
  const take = (arr: Float64Array, n: number): void => {
    if (arr.length === 0) return;
    if (arr.length <= n) arr.forEach((x) => picks.add(x));
    else for (let k = 0; k < n; k++) picks.add(arr[Math.floor((k * (arr.length - 1)) / (n - 1))] ?? 0);
  };
  take(all, Math.ceil(max / 2));
  take(pos, Math.floor(max / 2));
  const u = [...picks].sort((a, b) => a - b);
  // thresholds between consecutive distinct values generalise better than the values themselves
  const t: number[] = [u[0] ?? 0];
  for (let k = 1; k < u.length; k++) t.push(((u[k - 1] ?? 0) + (u[k] ?? 0)) / 2);
  t.push(NEVER);
  return t;
}

/** Number of thresholds t with t <= s (thresholds ascending). */
function binOf(t: readonly number[], s: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] ?? 0) <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function thin(points: CostPoint[], max = 200): CostPoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => points[Math.round(k * step)] as CostPoint);
}

export function chooseThresholds(input: ThresholdInput): ThresholdChoice {
  const n = input.scores.length;
  if (n === 0)
    throw new FraudError(
      'MODEL_INVALID',
      'cannot choose thresholds without validation rows; widen the validation window',
    );
  const { costs } = input;
  const maxReviewRate = input.maxReviewRate ?? 1;
  const maxBlockRate = input.maxBlockRate ?? 1;
  const t = grid(input.scores, input.labels, input.maxCandidates ?? 600);
  const K = t.length;
  const A = new Float64Array(K + 1); // cost if approved, per bin
  const R = new Float64Array(K + 1); // cost if reviewed
  const B = new Float64Array(K + 1); // cost if blocked
  const W = new Float64Array(K + 1); // weight (for the review-rate limit)
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wt = input.weights?.[i] ?? 1;
    const fraud = (input.labels[i] ?? 0) > 0.5;
    const j = binOf(t, input.scores[i] ?? 0);
    A[j] = (A[j] ?? 0) + (fraud ? (wt * costs.missedFraudFactor * (input.amountsMinor[i] ?? 0)) / MINOR_PER_MAJOR : 0);
    R[j] = (R[j] ?? 0) + wt * costs.reviewCost;
    B[j] = (B[j] ?? 0) + (fraud ? 0 : wt * costs.blockFrictionCost);
    W[j] = (W[j] ?? 0) + wt;
    total += wt;
  }
  // prefix over bins 0..a (approved when review index = a), suffix over bins > b (blocked)
  const PA = new Float64Array(K + 1);
  const PR = new Float64Array(K + 1);
  const PW = new Float64Array(K + 1);
  for (let j = 0; j <= K; j++) {
    PA[j] = (j > 0 ? (PA[j - 1] ?? 0) : 0) + (A[j] ?? 0);
    PR[j] = (j > 0 ? (PR[j - 1] ?? 0) : 0) + (R[j] ?? 0);
    PW[j] = (j > 0 ? (PW[j - 1] ?? 0) : 0) + (W[j] ?? 0);
  }
  const SB = new Float64Array(K + 2);
  for (let j = K; j >= 0; j--) SB[j] = (SB[j + 1] ?? 0) + (B[j] ?? 0);
  const cost = (a: number, b: number): number => (PA[a] ?? 0) + ((PR[b] ?? 0) - (PR[a] ?? 0)) + (SB[b + 1] ?? 0);
  const reviewRate = (a: number, b: number): number => ((PW[b] ?? 0) - (PW[a] ?? 0)) / total;
  const blockRate = (b: number): number => (total - (PW[b] ?? 0)) / total;

  let best = { a: K - 1, b: K - 1, cost: cost(K - 1, K - 1) };
  const reviewCurve: CostPoint[] = [];
  for (let a = 0; a < K; a++) {
    let rowBest = Infinity;
    for (let b = a; b < K; b++) {
      if (reviewRate(a, b) > maxReviewRate || blockRate(b) > maxBlockRate) continue;
      const c = cost(a, b);
      if (c < rowBest) rowBest = c;
      // ties go to higher thresholds: fewer interventions for the same cost
      if (c <= best.cost + 1e-9 * Math.max(1, Math.abs(best.cost))) best = { a, b, cost: c };
    }
    if (Number.isFinite(rowBest)) reviewCurve.push({ threshold: t[a] ?? 0, cost: rowBest });
  }
  const blockCurve: CostPoint[] = [];
  for (let b = best.a; b < K; b++) blockCurve.push({ threshold: t[b] ?? 0, cost: cost(best.a, b) });
  return {
    thresholds: { review: t[best.a] ?? NEVER, block: t[best.b] ?? NEVER },
    cost: best.cost,
    approveAllCost: cost(K - 1, K - 1),
    reviewCurve: thin(reviewCurve),
    blockCurve: thin(blockCurve),
    candidates: K,
  };
}
