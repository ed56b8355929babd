import { describe, expect, it } from 'vitest';
import { decisionPolicySchema } from '@fraud/schemas';
import { applyPolicy, compilePolicy, decideByScore, effectiveThresholds } from '../src/policy.ts';
import { tx } from './fakes.ts';

const model = { review: 0.3, block: 0.8 };

describe('decision policy', () => {
  it('decides by score at the thresholds (inclusive)', () => {
    expect([0.29, 0.3, 0.79, 0.8].map((s) => decideByScore(s, model))).toEqual([
      'APPROVE',
      'REVIEW',
      'REVIEW',
      'BLOCK',
    ]);
  });

  it('uses the model thresholds unless the live policy overrides one; review never exceeds block', () => {
    expect(effectiveThresholds(model, null)).toEqual(model);
    expect(effectiveThresholds(model, decisionPolicySchema.parse({ blockThreshold: 0.5 }))).toEqual({
      review: 0.3,
      block: 0.5,
    });
    expect(effectiveThresholds(model, decisionPolicySchema.parse({ blockThreshold: 0.2 }))).toEqual({
      review: 0.2,
      block: 0.2,
    });
  });

  it('block list beats allow list; allow list beats the score; the amount rule raises APPROVE to REVIEW', () => {
    const p = compilePolicy(
      decisionPolicySchema.parse({ allowList: ['A', 'B'], blockList: ['B'], reviewAmountOver: 5_000 }),
    );
    expect(applyPolicy(tx(0, { originAccount: 'B' }), 0, model, p)).toEqual({
      decision: 'BLOCK',
      rulesFired: ['block-list'],
    });
    expect(applyPolicy(tx(0, { destAccount: 'A' }), 0.99, model, p)).toEqual({
      decision: 'APPROVE',
      rulesFired: ['allow-list'],
    });
    expect(applyPolicy(tx(0, { amount: 6_000 }), 0.1, model, p)).toEqual({
      decision: 'REVIEW',
      rulesFired: ['transfer-amount-over'],
    });
    expect(applyPolicy(tx(0, { amount: 6_000 }), 0.9, model, p)).toEqual({
      decision: 'BLOCK',
      rulesFired: ['transfer-amount-over'],
    });
    expect(applyPolicy(tx(0, { amount: 6_000, type: 'PAYMENT' }), 0.1, model, p)).toEqual({
      decision: 'APPROVE',
      rulesFired: [],
    });
    expect(applyPolicy(tx(0, { amount: 5_000 }), 0.1, model, p)).toEqual({ decision: 'APPROVE', rulesFired: [] });
  });
});
