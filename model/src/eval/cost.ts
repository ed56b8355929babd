import type { Decision } from '@fraud/schemas';
import type { Thresholds } from '../api.ts';
import { decide } from '../policy/decide.ts';

/**
 * Business costs, in MAJOR currency units (amounts in Transactions are minor units: /100).
 * A missed fraud costs its amount; a blocked legitimate transaction costs the friction of a
 * lost/angry customer; a review costs analyst time whatever the truth, and a reviewed fraud
 * is caught (so costs only the review). A blocked fraud costs nothing.
 */
export interface Costs {
  reviewCost: number;
  blockFrictionCost: number;
  /** Multiplier on the amount of a missed fraud (1 = lose the whole amount). */
  missedFraudFactor: number;
}

export const DEFAULT_COSTS: Readonly<Costs> = { reviewCost: 5, blockFrictionCost: 25, missedFraudFactor: 1 };

export const MINOR_PER_MAJOR = 100;

/** Cost of one decision on one transaction. */
export function decisionCost(decision: Decision, isFraud: boolean, amountMinor: number, costs: Costs): number {
  if (decision === 'REVIEW') return costs.reviewCost;
  if (decision === 'BLOCK') return isFraud ? 0 : costs.blockFrictionCost;
  return isFraud ? (costs.missedFraudFactor * amountMinor) / MINOR_PER_MAJOR : 0;
}

export interface CostSummary {
  /** Weighted total cost at the thresholds. */
  total: number;
  /** Cost of approving everything (all fraud lost), for comparison. */
  approveAll: number;
  /** Weighted number of transactions. */
  transactions: number;
  perTransaction: number;
  /** Weighted counts by decision and truth. */
  decisions: Record<Decision, { fraud: number; legit: number }>;
  /** Weighted fraud amount (major units) lost through APPROVE. */
  missedFraudAmount: number;
}

export function costAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  amountsMinor: ArrayLike<number>,
  thresholds: Thresholds,
  costs: Costs,
  weights?: ArrayLike<number>,
): CostSummary {
  const decisions: CostSummary['decisions'] = {
    APPROVE: { fraud: 0, legit: 0 },
    REVIEW: { fraud: 0, legit: 0 },
    BLOCK: { fraud: 0, legit: 0 },
  };
  let total = 0;
  let approveAll = 0;
  let transactions = 0;
  let missed = 0;
  for (let i = 0; i < scores.length; i++) {
    const wt = weights === undefined ? 1 : (weights[i] ?? 0);
    const fraud = (labels[i] ?? 0) > 0.5;
    const amount = amountsMinor[i] ?? 0;
    const d = decide(scores[i] ?? 0, thresholds);
    total += wt * decisionCost(d, fraud, amount, costs);
    approveAll += wt * decisionCost('APPROVE', fraud, amount, costs);
    transactions += wt;
    decisions[d][fraud ? 'fraud' : 'legit'] += wt;
    if (fraud && d === 'APPROVE') missed += (wt * amount) / MINOR_PER_MAJOR;
  }
  return {
    total,
    approveAll,
    transactions,
    perTransaction: transactions === 0 ? NaN : total / transactions,
    decisions,
    missedFraudAmount: missed,
  };
}
