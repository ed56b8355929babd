import { describe, expect, it } from 'vitest';
import { decidePromotion, type HoldoutMetrics } from '../../src/domain/decide.ts';
import { psi } from '../../src/domain/psi.ts';
import { retrainDue } from '../../src/domain/triggers.ts';
import { validateRetrainPolicy } from '../../src/policy/schema.ts';
import { rng } from '../synthetic.ts';

const m = (o: Partial<HoldoutMetrics>): HoldoutMetrics => ({
  aucpr: 0.8,
  cost: 1000,
  fpr: 0.01,
  recall: 0.8,
  precision: 0.8,
  rows: 1000,
  positives: 50,
  ...o,
});

describe('promotion rule', () => {
  const rule = validateRetrainPolicy({ promotion: { metric: 'aucpr', margin: 0.01, maxFprIncrease: 0.005 } }).promotion;
  it('promotes only a win by the margin without an FPR rise beyond the tolerance', () => {
    expect(decidePromotion(rule, m({ aucpr: 0.82 }), m({})).promote).toBe(true);
    expect(decidePromotion(rule, m({ aucpr: 0.805 }), m({})).reason).toMatch(/< margin 0.01/);
    expect(decidePromotion(rule, m({ aucpr: 0.9, fpr: 0.02 }), m({})).reason).toMatch(/maxFprIncrease/);
    expect(decidePromotion(rule, m({ positives: 2 }), null).promote).toBe(false);
    expect(decidePromotion(rule, m({}), null).promote).toBe(true);
  });
  it('on cost, needs a relative saving of at least the margin', () => {
    const cost = { ...rule, metric: 'cost' as const, margin: 0.1 };
    expect(decidePromotion(cost, m({ cost: 850 }), m({ cost: 1000 })).promote).toBe(true);
    expect(decidePromotion(cost, m({ cost: 950 }), m({ cost: 1000 })).promote).toBe(false);
  });
});

describe('triggers', () => {
  const policy = validateRetrainPolicy({
    minNewLabels: 100,
    maxIntervalMinutes: 60,
    minIntervalMinutes: 1,
    drift: { psiThreshold: 0.2, recallFloor: 0.7 },
  });
  const base = { now: 10 * 60_000, lastRunAt: 0, newLabels: 10, newFrauds: 1, psi: {}, live: null };
  it('fires on labels, interval, drift and the recall floor, and respects the cool-down', () => {
    expect(retrainDue(policy, { ...base, newLabels: 100 }).trigger).toBe('labels');
    expect(retrainDue(policy, { ...base, now: 61 * 60_000 }).trigger).toBe('interval');
    expect(retrainDue(policy, { ...base, psi: { score: 0.3 } }).trigger).toBe('drift');
    expect(retrainDue(policy, { ...base, live: { recall: 0.5, precision: 0.9, positives: 30 } }).trigger).toBe(
      'recall-floor',
    );
    expect(retrainDue(policy, { ...base }).due).toBe(false);
    expect(retrainDue(policy, { ...base, newLabels: 1000, now: 30_000 }).due).toBe(false);
    expect(retrainDue(policy, { ...base, newLabels: 0, psi: { score: 5 } }).due).toBe(false);
  });
});

describe('PSI', () => {
  it('is ~0 for the same distribution and large for a shifted one', () => {
    const r = rng(1);
    const a = Array.from({ length: 5000 }, () => r());
    const b = Array.from({ length: 5000 }, () => r());
    const shifted = Array.from({ length: 5000 }, () => 0.5 + r());
    expect(psi(a, b)).toBeLessThan(0.02);
    expect(psi(a, shifted)).toBeGreaterThan(1);
  });
});
