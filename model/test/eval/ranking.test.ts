import { describe, expect, it } from 'vitest';
import { cardPrecisionAtK, recallAtReviewRate, rocAuc } from '../../src/eval/index.ts';

describe('ROC AUC (hand-computed: the share of fraud/legit pairs ranked right, ties half)', () => {
  it('counts ordered pairs', () => {
    // frauds 0.9 and 0.7, legits 0.8 and 0.6: 0.9 beats both, 0.7 beats 0.6 -> 3 of 4 pairs
    expect(rocAuc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.1, 0.9], [1, 0])).toBe(0);
    expect(rocAuc([0.9, 0.1], [1, 0])).toBe(1);
  });

  it('a tie between a fraud and a legit row counts one half, whatever the row order', () => {
    expect(rocAuc([0.5, 0.5], [1, 0])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBeCloseTo(0.5, 12);
    // 0.9 beats both legits (2), the tied 0.5 pair is 1/2, 0.5 fraud beats 0.1 (1): 3.5 / 4
    expect(rocAuc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
    expect(rocAuc([0.5, 0.1, 0.9, 0.5], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  it('weights count a row that many times; one class only is NaN', () => {
    // legit 0.8 weighs 2: 0.9 beats 3 weighted legits, 0.7 beats 1 -> 4 / (2 x 3)
    expect(rocAuc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0], [1, 2, 1, 1])).toBeCloseTo(4 / 6, 12);
    expect(rocAuc([0.9, 0.8], [1, 1])).toBeNaN();
    expect(rocAuc([0.9, 0.8], [0, 0])).toBeNaN();
  });
});

describe('recall at a review rate (hand-computed)', () => {
  const scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
  const labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 1];

  it('reviews the top share of payments by score', () => {
    expect(recallAtReviewRate(scores, labels, 0.2)).toBeCloseTo(1 / 3, 12); // rows 0-1: one fraud of three
    expect(recallAtReviewRate(scores, labels, 0.3)).toBeCloseTo(2 / 3, 12);
    expect(recallAtReviewRate(scores, labels, 1)).toBe(1);
    expect(recallAtReviewRate(scores, labels, 0)).toBe(0);
    expect(recallAtReviewRate(scores, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5)).toBeNaN();
  });

  it('a tied group across the budget is reviewed pro rata', () => {
    // budget 2 rows: 0.9 (legit) then one of the three tied 0.5 rows, one of which is fraud: 1/3 of a fraud of 2
    expect(recallAtReviewRate([0.9, 0.5, 0.5, 0.5, 0.1], [0, 1, 0, 0, 1], 0.4)).toBeCloseTo(1 / 6, 12);
  });

  it('the budget is a share of the total weight', () => {
    // total weight 5: 20% = the first row (a fraud); 40% adds a third of the weight-3 legit row
    expect(recallAtReviewRate([0.9, 0.8, 0.1], [1, 0, 1], 0.2, [1, 3, 1])).toBeCloseTo(0.5, 12);
    expect(recallAtReviewRate([0.9, 0.8, 0.1], [1, 0, 1], 0.4, [1, 3, 1])).toBeCloseTo(0.5, 12);
    expect(() => recallAtReviewRate(scores, labels, 1.5)).toThrow(/review rate/);
  });
});

describe('Card Precision@k per day (the handbook: max score per card per day, / k, mean over days)', () => {
  // day 0: A max 0.9 (its 0.2 payment is fraud), C 0.85 fraud, B 0.8 legit, D 0.1 fraud
  // day 1: A 0.95 fraud, B 0.7 fraud, E 0.6 legit; day 2: F 0.3 fraud alone
  const rows = [
    { card: 'A', day: 0, score: 0.9, fraud: 0 },
    { card: 'A', day: 0, score: 0.2, fraud: 1 },
    { card: 'B', day: 0, score: 0.8, fraud: 0 },
    { card: 'C', day: 0, score: 0.85, fraud: 1 },
    { card: 'D', day: 0, score: 0.1, fraud: 1 },
    { card: 'A', day: 1, score: 0.95, fraud: 1 },
    { card: 'B', day: 1, score: 0.7, fraud: 1 },
    { card: 'E', day: 1, score: 0.6, fraud: 0 },
    { card: 'F', day: 2, score: 0.3, fraud: 1 },
  ];
  const input = (rs: typeof rows, k = 2, removeDetected = true): Parameters<typeof cardPrecisionAtK>[0] => ({
    scores: rs.map((r) => r.score),
    labels: rs.map((r) => r.fraud),
    cards: rs.map((r) => r.card),
    days: rs.map((r) => r.day),
    k,
    removeDetected,
  });

  it('detected cards leave the following days; a day with fewer than k cards divides by k', () => {
    const r = cardPrecisionAtK(input(rows));
    // day 0: A, C both compromised -> 1; day 1 without A: B (fraud), E -> 1/2; day 2: F alone -> 1/2
    expect(r.perDay.map((d) => d.precision)).toEqual([1, 0.5, 0.5]);
    expect(r.perDay.map((d) => d.cards)).toEqual([4, 2, 1]);
    expect(r.perDay[0]?.compromisedCards).toBe(3);
    expect(r.mean).toBeCloseTo(2 / 3, 12);
  });

  it('without removal, day 1 ranks A again', () => {
    const r = cardPrecisionAtK(input(rows, 2, false));
    expect(r.perDay.map((d) => d.precision)).toEqual([1, 1, 0.5]);
    expect(r.mean).toBeCloseTo(2.5 / 3, 12);
  });

  it('ties rank by card id, so row order does not matter', () => {
    const tied = [
      { card: 'b', day: 5, score: 0.5, fraud: 1 },
      { card: 'a', day: 5, score: 0.5, fraud: 0 },
    ];
    expect(cardPrecisionAtK(input(tied, 1)).mean).toBe(0);
    expect(cardPrecisionAtK(input([...tied].reverse(), 1)).mean).toBe(0);
    expect(cardPrecisionAtK(input([...rows].reverse())).mean).toBeCloseTo(2 / 3, 12);
  });

  it('rejects mismatched columns and a k that is not a positive integer', () => {
    expect(() => cardPrecisionAtK({ ...input(rows), days: [0] })).toThrow(/must have 9 rows/);
    expect(() => cardPrecisionAtK(input(rows, 0))).toThrow(/positive integer/);
    expect(cardPrecisionAtK(input([])).mean).toBeNaN();
  });
});
