import type { TransactionType } from '@fraud/schemas';
import type { Thresholds } from '../api.ts';
import { costAt, MINOR_PER_MAJOR, type Costs, type CostSummary } from './cost.ts';
import {
  averagePrecision,
  classTotals,
  confusionAt,
  metricsOf,
  prCurve,
  type ClassMetrics,
  type PrPoint,
} from './metrics.ts';

/**
 * The evaluation of scores against labels at a pair of thresholds: overall, per transaction
 * type and per fraud typology. "Flagged" = REVIEW or BLOCK (a review catches the fraud), the
 * headline precision/recall; "blocked" = BLOCK only.
 */
export interface EvalInput {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  amountsMinor: ArrayLike<number>;
  types: readonly TransactionType[];
  /** Fraud typology per row (null for legitimate rows or when unknown). */
  typologies?: readonly (string | null)[];
  weights?: ArrayLike<number>;
  thresholds: Thresholds;
  costs: Costs;
}

export interface SliceReport {
  rows: number;
  /** Weighted counts. */
  positives: number;
  negatives: number;
  auprc: number;
  flagged: ClassMetrics;
  blocked: ClassMetrics;
  cost: CostSummary;
}

export interface TypologyReport {
  frauds: number;
  caught: number;
  blocked: number;
  recall: number;
  missedAmount: number;
}

export interface EvalReport extends SliceReport {
  thresholds: Thresholds;
  costs: Costs;
  weighted: boolean;
  byType: Partial<Record<TransactionType, SliceReport>>;
  byTypology: Record<string, TypologyReport>;
  prCurve: PrPoint[];
}

function pick(src: ArrayLike<number>, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length);
  idx.forEach((i, k) => (out[k] = src[i] ?? 0));
  return out;
}

function slice(input: EvalInput, idx: readonly number[] | null): SliceReport {
  const scores = idx === null ? input.scores : pick(input.scores, idx);
  const labels = idx === null ? input.labels : pick(input.labels, idx);
  const amounts = idx === null ? input.amountsMinor : pick(input.amountsMinor, idx);
  const weights = input.weights === undefined ? undefined : idx === null ? input.weights : pick(input.weights, idx);
  const { positives, negatives } = classTotals(labels, weights);
  return {
    rows: scores.length,
    positives,
    negatives,
    auprc: averagePrecision(scores, labels, weights),
    flagged: metricsOf(confusionAt(scores, labels, input.thresholds.review, weights)),
    blocked: metricsOf(confusionAt(scores, labels, input.thresholds.block, weights)),
    cost: costAt(scores, labels, amounts, input.thresholds, input.costs, weights),
  };
}

export function evaluate(input: EvalInput): EvalReport {
  const n = input.scores.length;
  if (input.labels.length !== n || input.amountsMinor.length !== n || input.types.length !== n) {
    throw new RangeError(`evaluate: scores, labels, amounts and types must have the same length (${n})`);
  }
  const byTypeIdx = new Map<TransactionType, number[]>();
  input.types.forEach((t, i) => {
    const arr = byTypeIdx.get(t) ?? [];
    arr.push(i);
    byTypeIdx.set(t, arr);
  });
  const byType: EvalReport['byType'] = {};
  for (const [t, idx] of [...byTypeIdx].sort(([a], [b]) => a.localeCompare(b))) byType[t] = slice(input, idx);

  const byTypology: Record<string, TypologyReport> = {};
  input.typologies?.forEach((typ, i) => {
    if (typ === null || (input.labels[i] ?? 0) <= 0.5) return;
    const wt = input.weights?.[i] ?? 1;
    const r = (byTypology[typ] ??= { frauds: 0, caught: 0, blocked: 0, recall: NaN, missedAmount: 0 });
    const s = input.scores[i] ?? 0;
    r.frauds += wt;
    if (s >= input.thresholds.review) r.caught += wt;
    else r.missedAmount += (wt * (input.amountsMinor[i] ?? 0)) / MINOR_PER_MAJOR;
    if (s >= input.thresholds.block) r.blocked += wt;
  });
  for (const r of Object.values(byTypology)) r.recall = r.frauds === 0 ? NaN : r.caught / r.frauds;

  return {
    ...slice(input, null),
    thresholds: input.thresholds,
    costs: input.costs,
    weighted: input.weights !== undefined,
    byType,
    byTypology,
    prCurve: prCurve(input.scores, input.labels, input.weights),
  };
}
