import type { RuleSet } from '@fraud/schemas';
import type { RuleState } from './rule-state.ts';

/** A rule that fired on a decision, with what it says (null when its version is not known here). */
export interface FiredRule {
  name: string;
  action: string | null;
  /** The rule's expression; for the Policy page's rules, what they mean. */
  expression: string | null;
  source: 'rule-set' | 'policy' | 'unknown';
}

/** The decision policy's own rule names (scorer/src/policy.ts RULES) and what each means. */
const POLICY_RULES: Readonly<Record<string, { action: string; meaning: string }>> = {
  'block-list': { action: 'BLOCK', meaning: 'origin or destination on the Policy page block list' },
  'allow-list': { action: 'APPROVE', meaning: 'origin or destination on the Policy page allow list' },
  'transfer-amount-over': { action: 'REVIEW', meaning: "TRANSFER over the Policy page's review amount" },
};

/**
 * Why each rule fired on a scored record: its expression and action in the rule set version the
 * scorer applied (ruleSetVersion). A name that version does not hold is one of the Policy page's
 * rules, or unknown (a version this console has not seen).
 */
export function explainFired(
  state: RuleState,
  scored: { rulesFired: readonly string[]; ruleSetVersion?: number | null },
): { version: number | null; rules: FiredRule[] } {
  const version = scored.ruleSetVersion ?? null;
  const current = state.current();
  const set: RuleSet | null = version === null ? null : current?.version === version ? current : state.version(version);
  return {
    version,
    rules: scored.rulesFired.map((name): FiredRule => {
      const rule = set?.rules.find((r) => r.name === name);
      if (rule) return { name, action: rule.action, expression: rule.expression, source: 'rule-set' };
      const policy = POLICY_RULES[name];
      if (policy) return { name, action: policy.action, expression: policy.meaning, source: 'policy' };
      return { name, action: null, expression: null, source: 'unknown' };
    }),
  };
}
