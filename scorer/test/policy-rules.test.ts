import { describe, expect, it } from 'vitest';
import { parseRuleSet } from '@fraud/model/rules';
import { decisionPolicySchema } from '@fraud/schemas';
import { applyPolicy, compilePolicy } from '../src/policy.ts';
import { activeRuleSet } from '../src/rules/active-rules.ts';
import { tx } from './fakes.ts';

const model = { review: 0.3, block: 0.8 };
const names = ['orig_new_payee', 'dest_in_count_1h'];
const rules = activeRuleSet(
  parseRuleSet({
    version: 4,
    rules: [
      { name: 'new-payee-big', expression: 'amount > 1000 and orig_new_payee = 1', action: 'BLOCK', priority: 5 },
      { name: 'vip', expression: 'originAccount = "VIP"', action: 'APPROVE', priority: 9 },
      { name: 'watch', expression: 'amount > 500', action: 'REVIEW', priority: 1 },
      { name: 'tag-big', expression: 'amount > 100', action: 'TAG', priority: 100 },
    ],
  }),
);
const policy = compilePolicy(
  decisionPolicySchema.parse({ blockList: ['BAD'], allowList: ['GOOD'], reviewAmountOver: 5_000 }),
  rules,
);
const row = (payee: number) => ({ features: [payee, 0], featureNames: names });

describe('decision policy with a rule set: block list > allow list > rules by priority > model', () => {
  it('block and allow lists come first; rules are not evaluated for them', () => {
    const blocked = tx(0, { originAccount: 'BAD', amount: 5_000 });
    expect(applyPolicy(blocked, 0, model, policy, row(1))).toEqual({ decision: 'BLOCK', rulesFired: ['block-list'] });
    const allowed = tx(1, { originAccount: 'VIP', destAccount: 'GOOD', amount: 5_000 });
    expect(applyPolicy(allowed, 0.99, model, policy, row(1))).toEqual({
      decision: 'APPROVE',
      rulesFired: ['allow-list'],
    });
  });

  it('the highest-priority deciding rule decides; every fired rule is listed, TAG first by priority', () => {
    const big = tx(2, { amount: 2_000 });
    expect(applyPolicy(big, 0.1, model, policy, row(1))).toEqual({
      decision: 'BLOCK',
      rulesFired: ['tag-big', 'new-payee-big', 'watch'],
    });
    const vip = tx(3, { originAccount: 'VIP', amount: 2_000 });
    expect(applyPolicy(vip, 0.95, model, policy, row(1))).toEqual({
      decision: 'APPROVE',
      rulesFired: ['tag-big', 'vip', 'new-payee-big', 'watch'],
    });
  });

  it('REVIEW raises an APPROVE and never lowers a model BLOCK; then the policy amount rule applies', () => {
    const mid = tx(4, { amount: 700 });
    expect(applyPolicy(mid, 0.1, model, policy, row(0)).decision).toBe('REVIEW');
    expect(applyPolicy(mid, 0.9, model, policy, row(0))).toEqual({
      decision: 'BLOCK',
      rulesFired: ['tag-big', 'watch'],
    });
    const transfer = tx(5, { type: 'TRANSFER', amount: 6_000 });
    expect(applyPolicy(transfer, 0.1, model, policy, row(0)).rulesFired).toEqual([
      'tag-big',
      'watch',
      'transfer-amount-over',
    ]);
  });

  it('a feature the row lacks is missing: the rule reading it does not fire', () => {
    const big = tx(6, { amount: 2_000 });
    const noFeatures = { features: [], featureNames: [] };
    expect(applyPolicy(big, 0.1, model, policy, noFeatures)).toEqual({
      decision: 'REVIEW',
      rulesFired: ['tag-big', 'watch'],
    });
  });

  it('no rule set: decisions and rulesFired as before', () => {
    const plain = compilePolicy(decisionPolicySchema.parse({}));
    expect(applyPolicy(tx(7, { amount: 2_000 }), 0.1, model, plain, row(1))).toEqual({
      decision: 'APPROVE',
      rulesFired: [],
    });
    expect(plain.rules.version).toBeNull();
  });
});
