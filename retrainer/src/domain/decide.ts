import type { RetrainPolicy } from '../policy/schema.ts';

/** What the promotion rule looks at, for one model on one holdout, at its own thresholds. */
export interface HoldoutMetrics {
  aucpr: number;
  /** Expected cost at the model's thresholds (lower is better). */
  cost: number;
  /** Flagged (REVIEW or BLOCK) legitimate / legitimate. */
  fpr: number;
  recall: number;
  precision: number;
  rows: number;
  positives: number;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

/**
 * The champion/challenger rule (pure): promote only if the challenger wins on the chosen metric
 * by the margin AND its false-positive rate is not worse beyond the tolerance. With no champion
 * the challenger is promoted if the holdout can judge it at all.
 */
export function decidePromotion(
  rule: RetrainPolicy['promotion'],
  challenger: HoldoutMetrics,
  champion: HoldoutMetrics | null,
): PromotionDecision {
  if (challenger.positives < rule.minHoldoutPositives) {
    return {
      promote: false,
      reason:
        `holdout has ${challenger.positives} frauds, fewer than ` +
        `promotion.minHoldoutPositives=${rule.minHoldoutPositives}: too few to compare; champion kept`,
    };
  }
  if (!Number.isFinite(challenger.aucpr) || !Number.isFinite(challenger.cost)) {
    return { promote: false, reason: 'challenger metrics are not finite; champion kept' };
  }
  if (champion === null)
    return {
      promote: true,
      reason: `no champion to beat; challenger AUPRC ${f(challenger.aucpr)}, cost ${f(challenger.cost)}`,
    };
  const fprRise = challenger.fpr - champion.fpr;
  if (fprRise > rule.maxFprIncrease) {
    return {
      promote: false,
      reason:
        `challenger FPR ${f(challenger.fpr)} exceeds champion FPR ${f(champion.fpr)} by ${f(fprRise)} > ` +
        `maxFprIncrease ${rule.maxFprIncrease}; champion kept`,
    };
  }
  if (rule.metric === 'aucpr') {
    const gain = challenger.aucpr - champion.aucpr;
    return gain >= rule.margin
      ? {
          promote: true,
          reason:
            `challenger AUPRC ${f(challenger.aucpr)} beats champion ${f(champion.aucpr)} by ${f(gain)} >= ` +
            `margin ${rule.margin}`,
        }
      : {
          promote: false,
          reason:
            `challenger AUPRC ${f(challenger.aucpr)} vs champion ${f(champion.aucpr)}: gain ${f(gain)} < ` +
            `margin ${rule.margin}; champion kept`,
        };
  }
  const base = Math.max(champion.cost, 1e-9);
  const saving = (champion.cost - challenger.cost) / base;
  return saving >= rule.margin
    ? {
        promote: true,
        reason:
          `challenger cost ${f(challenger.cost)} is ${f(saving * 100)}% below champion ${f(champion.cost)} ` +
          `(margin ${rule.margin * 100}%)`,
      }
    : {
        promote: false,
        reason:
          `challenger cost ${f(challenger.cost)} vs champion ${f(champion.cost)}: saving ${f(saving * 100)}% ` +
          `< margin ${rule.margin * 100}%; champion kept`,
      };
}

const f = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(4));
