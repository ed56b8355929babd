import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  confusionAt,
  costAt,
  DEFAULT_COSTS,
  evaluate,
  metricsOf,
  negativeWeightForRate,
  prCurve,
  weightsFor,
} from '../../src/eval/index.ts';

const scores = [0.9, 0.8, 0.7, 0.6];
const labels = [1, 0, 1, 0];

describe('metrics (hand-computed)', () => {
  it('average precision, unweighted, weighted and with tied scores', () => {
    expect(averagePrecision(scores, labels)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    // negatives count twice: at 0.7 precision is 2 / (2 + 2)
    expect(averagePrecision(scores, labels, [1, 2, 1, 2])).toBeCloseTo(0.5 + 0.5 * 0.5, 12);
    // a tie is one threshold step: precision 1/2 at recall 1
    expect(averagePrecision([0.5, 0.5], [1, 0])).toBeCloseTo(0.5, 12);
    expect(averagePrecision([0.5, 0.4], [0, 0])).toBeNaN();
  });

  it('confusion matrix and derived metrics at a threshold (score >= threshold flags)', () => {
    const c = confusionAt(scores, labels, 0.7);
    expect(c).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
    const m = metricsOf(c);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBe(1);
    expect(m.f1).toBeCloseTo(0.8, 12);
    expect(m.specificity).toBe(0.5);
    expect(m.fpr).toBe(0.5);
    expect(metricsOf(confusionAt(scores, labels, 0.95)).precision).toBeNaN();
  });

  it('weights restore the true fraud rate of an over-sampled file', () => {
    const lab = [1, 0, 0, 0];
    const w = negativeWeightForRate(lab, 0.1);
    expect(w).toBeCloseTo(3, 12);
    const weights = weightsFor(lab, w);
    expect(Array.from(weights)).toEqual([1, 3, 3, 3]);
    // one false positive among the sampled negatives stands for 3 real ones
    const m = metricsOf(confusionAt([0.9, 0.8, 0.1, 0.1], lab, 0.5, weights));
    expect(m.precision).toBeCloseTo(1 / 4, 6);
  });

  it('PR curve has one point per distinct score, recall non-decreasing', () => {
    const pts = prCurve(scores, labels);
    expect(pts.map((p) => p.threshold)).toEqual([0.9, 0.8, 0.7, 0.6]);
    expect(pts.map((p) => p.recall)).toEqual([0.5, 0.5, 1, 1]);
    expect(pts[2]?.precision).toBeCloseTo(2 / 3, 12);
    const many = prCurve(
      Array.from({ length: 1000 }, (_, i) => i / 1000),
      Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
      undefined,
      50,
    );
    expect(many.length).toBeLessThanOrEqual(52);
    expect(many.at(-1)?.recall).toBe(1);
  });

  it('expected cost: missed fraud costs its amount, review costs review, blocked legit costs friction', () => {
    const amounts = [10_000, 500, 4_000, 700]; // minor units
    const s = costAt(
      scores,
      labels,
      amounts,
      { review: 0.65, block: 0.85 },
      { reviewCost: 5, blockFrictionCost: 25, missedFraudFactor: 1 },
    );
    // 0.9 fraud BLOCK: 0; 0.8 legit REVIEW: 5; 0.7 fraud REVIEW: 5; 0.6 legit APPROVE: 0
    expect(s.total).toBe(10);
    expect(s.approveAll).toBe(140);
    expect(s.decisions).toEqual({
      APPROVE: { fraud: 0, legit: 1 },
      REVIEW: { fraud: 1, legit: 1 },
      BLOCK: { fraud: 1, legit: 0 },
    });
    const strict = costAt(scores, labels, amounts, { review: 0.75, block: 0.75 }, DEFAULT_COSTS);
    // 0.9 fraud BLOCK 0; 0.8 legit BLOCK friction; 0.7 fraud APPROVE $40; 0.6 legit 0
    expect(strict.total).toBe(DEFAULT_COSTS.blockFrictionCost + 40);
    expect(strict.missedFraudAmount).toBe(40);
  });

  it('evaluate breaks results down by type and typology', () => {
    const r = evaluate({
      scores: [0.9, 0.8, 0.7, 0.6, 0.2],
      labels: [1, 0, 1, 0, 1],
      amountsMinor: [100, 100, 100, 100, 300],
      types: ['TRANSFER', 'TRANSFER', 'CASH_OUT', 'CASH_OUT', 'CASH_OUT'],
      typologies: ['ato', null, 'ato', null, 'mule'],
      thresholds: { review: 0.65, block: 0.85 },
      costs: DEFAULT_COSTS,
    });
    expect(r.flagged.recall).toBeCloseTo(2 / 3, 12);
    expect(r.byType.TRANSFER?.flagged.precision).toBe(0.5);
    expect(r.byType.CASH_OUT?.flagged.recall).toBe(0.5);
    expect(r.byType.PAYMENT).toBeUndefined();
    expect(r.byTypology).toEqual({
      ato: { frauds: 2, caught: 2, blocked: 1, recall: 1, missedAmount: 0 },
      mule: { frauds: 1, caught: 0, blocked: 0, recall: 0, missedAmount: 3 },
    });
    expect(r.blocked.tp).toBe(1);
  });
});
