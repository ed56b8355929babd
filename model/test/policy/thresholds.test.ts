import { describe, expect, it } from 'vitest';
import { costAt, type Costs } from '../../src/eval/index.ts';
import { chooseF1Threshold, chooseThresholds, decide, NEVER } from '../../src/policy/index.ts';
import { rng } from '../features/helpers.ts';

const costs: Costs = { reviewCost: 5, blockFrictionCost: 25, missedFraudFactor: 1 };

describe('decide', () => {
  it('is inclusive at both thresholds', () => {
    const t = { review: 0.3, block: 0.8 };
    expect(decide(0.29999, t)).toBe('APPROVE');
    expect(decide(0.3, t)).toBe('REVIEW');
    expect(decide(0.79999, t)).toBe('REVIEW');
    expect(decide(0.8, t)).toBe('BLOCK');
    expect(decide(1, { review: NEVER, block: NEVER })).toBe('APPROVE');
  });
});

describe('chooseThresholds', () => {
  const scores = [0.95, 0.9, 0.6, 0.5, 0.1];
  const labels = [1, 0, 1, 0, 0];
  const amounts = [50_000, 100, 5_000, 100, 100]; // $500 fraud, $50 fraud

  it('blocks the sure fraud, reviews the uncertain one (hand-computed minimum)', () => {
    const c = chooseThresholds({ scores, labels, amountsMinor: amounts, costs });
    // review [0.55, 0.925): the 0.9 legit (5) and the 0.6 fraud (5); block >= 0.925: the $500 fraud (0)
    expect(c.thresholds).toEqual({ review: 0.55, block: 0.925 });
    expect(c.cost).toBe(10);
    expect(c.approveAllCost).toBe(550);
  });

  it('respects a review-capacity limit', () => {
    const c = chooseThresholds({ scores, labels, amountsMinor: amounts, costs, maxReviewRate: 0.2 });
    // reviewing two of five is over the limit; blocking >= 0.55 costs one friction (25)
    expect(c.thresholds).toEqual({ review: 0.55, block: 0.55 });
    expect(c.cost).toBe(25);
  });

  it('respects a block-rate limit as well: blocking everything is never the answer', () => {
    // Without a block cap, blocking >= 0.55 (three of five) is the cheapest pair under the review cap.
    const c = chooseThresholds({ scores, labels, amountsMinor: amounts, costs, maxReviewRate: 0.2, maxBlockRate: 0.2 });
    // block only the 0.95 fraud; reviewing the 0.6 fraud would also review the 0.9 legit (2 of 5)
    expect(c.thresholds).toEqual({ review: 0.925, block: 0.925 });
    expect(c.cost).toBe(50);
    // a window where only blocking everything catches the frauds
    const tied = { scores: [0.5, 0.5, 0.5, 0.5], labels: [1, 0, 0, 0], amountsMinor: [1e9, 100, 100, 100], costs };
    expect(chooseThresholds({ ...tied, maxReviewRate: 0.01 }).thresholds.block).toBeLessThanOrEqual(0.5);
    const capped = chooseThresholds({ ...tied, maxReviewRate: 0.01, maxBlockRate: 0.01 });
    expect(capped.thresholds.block).toBeGreaterThan(0.5);
  });

  it('finds the brute-force minimum on random data, and the reported cost is the real cost', () => {
    const r = rng(11);
    for (let trial = 0; trial < 3; trial++) {
      const n = 120;
      const lab = Array.from({ length: n }, () => (r() < 0.2 ? 1 : 0));
      const sc = lab.map((y) => Math.min(0.999, Math.max(0, (y ? 0.35 : 0) + r() * 0.65)));
      const amt = lab.map(() => Math.floor(r() * 20_000));
      const wts = lab.map((y) => (y ? 1 : 1 + Math.floor(r() * 4)));
      const c = chooseThresholds({ scores: sc, labels: lab, amountsMinor: amt, weights: wts, costs });
      const real = costAt(sc, lab, amt, c.thresholds, costs, wts).total;
      expect(c.cost).toBeCloseTo(real, 6);
      const cands = [...new Set(sc)].sort((a, b) => a - b).concat([NEVER]);
      let bruteMin = Infinity;
      for (const a of cands)
        for (const b of cands)
          if (a <= b) bruteMin = Math.min(bruteMin, costAt(sc, lab, amt, { review: a, block: b }, costs, wts).total);
      expect(real).toBeCloseTo(bruteMin, 6);
      expect(c.thresholds.review).toBeLessThanOrEqual(c.thresholds.block);
      expect(Math.min(...c.reviewCurve.map((p) => p.cost))).toBeCloseTo(c.cost, 6);
    }
  });
});

describe('chooseF1Threshold', () => {
  it('picks the F1-best cut, between distinct scores (hand-computed)', () => {
    // cut at >= 0.7: tp 2, fp 1, fn 0 -> F1 0.8; cut at >= 0.9: tp 1 -> 2/3; all: tp 2 fp 2 -> 2/3
    const r = chooseF1Threshold([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]);
    expect(r.threshold).toBeCloseTo(0.65, 12);
    expect(r.f1).toBeCloseTo(0.8, 12);
    // negatives weighing 4: >= 0.9 gives 2*1/(1+0+2) = 2/3, >= 0.7 only 2*2/(2+4+2) = 1/2
    expect(chooseF1Threshold([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0], [1, 4, 1, 4]).threshold).toBeCloseTo(0.85, 12);
  });
});
