import type { Decision, DecisionPolicy, Transaction } from '@fraud/schemas';
import type { Thresholds } from '@fraud/model';

/** The rule names that can appear in ScoredTransaction.rulesFired. */
export const RULES = { blockList: 'block-list', allowList: 'allow-list', amountOver: 'transfer-amount-over' } as const;

export interface PolicyOutcome {
  decision: Decision;
  rulesFired: string[];
}

/** Model thresholds unless the live policy overrides them; review never above block. */
export function effectiveThresholds(model: Thresholds, policy: DecisionPolicy | null): Thresholds {
  const block = policy?.blockThreshold ?? model.block;
  const review = Math.min(policy?.reviewThreshold ?? model.review, block);
  return { review, block };
}

export function decideByScore(score: number, t: Thresholds): Decision {
  if (score >= t.block) return 'BLOCK';
  if (score >= t.review) return 'REVIEW';
  return 'APPROVE';
}

/** Lists as sets, built once per policy version instead of once per transaction. */
export interface CompiledPolicy {
  policy: DecisionPolicy | null;
  allow: ReadonlySet<string>;
  block: ReadonlySet<string>;
}

export function compilePolicy(policy: DecisionPolicy | null): CompiledPolicy {
  return { policy, allow: new Set(policy?.allowList ?? []), block: new Set(policy?.blockList ?? []) };
}

/**
 * Order (documented in docs/scorer.md): block list > allow list > model score raised by rules.
 * A block-listed account is blocked even if also allow-listed: the safer mistake.
 */
export function applyPolicy(payment: Transaction, score: number, t: Thresholds, p: CompiledPolicy): PolicyOutcome {
  if (p.block.has(payment.originAccount) || p.block.has(payment.destAccount))
    return { decision: 'BLOCK', rulesFired: [RULES.blockList] };
  if (p.allow.has(payment.originAccount) || p.allow.has(payment.destAccount))
    return { decision: 'APPROVE', rulesFired: [RULES.allowList] };
  let decision = decideByScore(score, t);
  const rulesFired: string[] = [];
  const over = p.policy?.reviewAmountOver ?? null;
  if (over !== null && payment.type === 'TRANSFER' && payment.amount > over) {
    rulesFired.push(RULES.amountOver);
    if (decision === 'APPROVE') decision = 'REVIEW';
  }
  return { decision, rulesFired };
}
