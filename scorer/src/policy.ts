import type { Decision, DecisionPolicy, Transaction } from '@fraud/schemas';
import { evaluateRules, type RuleOutcome, type Thresholds } from '@fraud/model';
import { NO_RULES, type ActiveRuleSet } from './rules/active-rules.ts';

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

/** Lists as sets, built once per policy version instead of once per transaction; the rule set in force. */
export interface CompiledPolicy {
  policy: DecisionPolicy | null;
  allow: ReadonlySet<string>;
  block: ReadonlySet<string>;
  rules: ActiveRuleSet;
}

export function compilePolicy(policy: DecisionPolicy | null, rules: ActiveRuleSet = NO_RULES): CompiledPolicy {
  return { policy, allow: new Set(policy?.allowList ?? []), block: new Set(policy?.blockList ?? []), rules };
}

/** The payment's feature row as scored, for rules that read features. */
export interface FeatureRow {
  features: ArrayLike<number>;
  featureNames: readonly string[];
}

const NO_OUTCOME: RuleOutcome = { fired: [], decidedBy: null };
const NO_ROW: FeatureRow = { features: [], featureNames: [] };

/**
 * Order (documented in docs/scorer.md): block list > allow list > rules by priority > model
 * thresholds (with the policy's transfer-amount-over). A block-listed account is blocked even if
 * also allow-listed: the safer mistake. Of the rules that fire (all listed in rulesFired, TAG
 * included), the highest-priority deciding one decides: APPROVE overrides the model, BLOCK blocks,
 * REVIEW makes an APPROVE a REVIEW (never lowers a BLOCK).
 */
export function applyPolicy(
  payment: Transaction,
  score: number,
  t: Thresholds,
  p: CompiledPolicy,
  row: FeatureRow = NO_ROW,
): PolicyOutcome {
  if (p.block.has(payment.originAccount) || p.block.has(payment.destAccount))
    return { decision: 'BLOCK', rulesFired: [RULES.blockList] };
  if (p.allow.has(payment.originAccount) || p.allow.has(payment.destAccount))
    return { decision: 'APPROVE', rulesFired: [RULES.allowList] };
  const rules = p.rules.forFeatures(row.featureNames);
  const { fired, decidedBy } =
    rules.length > 0 ? evaluateRules(rules, { payment, features: row.features, score }) : NO_OUTCOME;
  if (decidedBy?.action === 'APPROVE' || decidedBy?.action === 'BLOCK')
    return { decision: decidedBy.action, rulesFired: fired };
  let decision = decideByScore(score, t);
  if (decidedBy?.action === 'REVIEW' && decision === 'APPROVE') decision = 'REVIEW';
  const rulesFired: string[] = rules.length > 0 ? fired : [];
  const over = p.policy?.reviewAmountOver ?? null;
  if (over !== null && payment.type === 'TRANSFER' && payment.amount > over) {
    rulesFired.push(RULES.amountOver);
    if (decision === 'APPROVE') decision = 'REVIEW';
  }
  return { decision, rulesFired };
}
