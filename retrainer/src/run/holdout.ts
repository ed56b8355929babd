import { evaluate, type Costs, type EvalReport } from '@fraud/model';
import type { TransactionType } from '@fraud/schemas';
import type { HoldoutMetrics } from '../domain/decide.ts';

/** The toolkit's evaluation of one model's scores on the holdout, and the numbers the rule uses. */
export function evaluateHoldout(q: {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  amounts: ArrayLike<number>;
  types: readonly string[];
  typologies: readonly (string | null)[];
  thresholds: { review: number; block: number };
  costs: Costs;
}): { report: EvalReport; metrics: HoldoutMetrics } {
  const report = evaluate({
    scores: q.scores,
    labels: q.labels,
    amountsMinor: q.amounts,
    types: q.types as TransactionType[],
    typologies: q.typologies,
    thresholds: q.thresholds,
    costs: q.costs,
  });
  const metrics: HoldoutMetrics = {
    aucpr: report.auprc,
    cost: report.cost.total,
    fpr: Number.isFinite(report.flagged.fpr) ? report.flagged.fpr : 0,
    recall: report.flagged.recall,
    precision: report.flagged.precision,
    rows: report.rows,
    positives: report.positives,
  };
  return { report, metrics };
}

/** A report small enough to keep in the runs table (no PR curve points). */
export function compactReport(r: EvalReport): Record<string, unknown> {
  const { prCurve: _curve, ...rest } = r;
  return rest as unknown as Record<string, unknown>;
}
