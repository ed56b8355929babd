import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsAt, curveFromScores, whatIf, DEFAULT_COSTS } from './what-if.ts';

/** Direct count over the raw rows: the definition the curve must reproduce. */
function brute(scores: number[], labels: boolean[], review: number, block: number) {
  let tp = 0,
    fp = 0,
    btp = 0,
    bfp = 0,
    rev = 0;
  scores.forEach((s, i) => {
    const y = labels[i]!;
    if (s >= review) {
      if (y) tp++;
      else fp++;
    }
    if (s >= block) {
      if (y) btp++;
      else bfp++;
    }
    if (s >= review && s < block) rev++;
  });
  const pos = labels.filter(Boolean).length;
  return {
    precision: tp + fp ? tp / (tp + fp) : null,
    recall: pos ? tp / pos : null,
    reviewCount: rev,
    falseBlocks: bfp,
    missed: pos - tp,
    blockCount: btp + bfp,
  };
}

describe('what-if', () => {
  it('matches a hand-checked example', () => {
    const scores = [0.95, 0.9, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1];
    const labels = [true, false, true, true, false, false, true, false];
    const r = whatIf(curveFromScores(scores, labels), 0.5, 0.85, { missedFraud: 100, falseBlock: 5, review: 2 });
    // Flagged: 0.95 F, 0.9 L, 0.8 F, 0.6 F -> precision 3/4, recall 3/4; blocked: 0.95, 0.9; review: 0.8, 0.6.
    expect(r.precision).toBe(0.75);
    expect(r.recall).toBe(0.75);
    expect(r.blockPrecision).toBe(0.5);
    expect(r.reviewCount).toBe(2);
    expect(r.falseBlocks).toBe(1);
    expect(r.missedFrauds).toBe(1);
    expect(r.cost).toBe(100 + 5 + 2 * 2);
    expect(r.costPer1000).toBeCloseTo((109 / 8) * 1000, 9);
  });

  it('agrees with direct counting for any data and thresholds (ties included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 20 }).map((x) => x / 20),
            fc.boolean(),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        fc.integer({ min: 0, max: 21 }).map((x) => x / 20),
        fc.integer({ min: 0, max: 21 }).map((x) => x / 20),
        (rows, a, b) => {
          const scores = rows.map((r) => r[0]);
          const labels = rows.map((r) => r[1]);
          const [review, block] = a <= b ? [a, b] : [b, a];
          const got = whatIf(curveFromScores(scores, labels), review, block, DEFAULT_COSTS);
          const want = brute(scores, labels, review, block);
          expect(got.precision).toBe(want.precision);
          expect(got.recall).toBe(want.recall);
          expect(got.reviewCount).toBe(want.reviewCount);
          expect(got.falseBlocks).toBe(want.falseBlocks);
          expect(got.missedFrauds).toBe(want.missed);
          expect(got.blockCount).toBe(want.blockCount);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts nothing above the highest score and everything at zero', () => {
    const curve = curveFromScores([0.2, 0.7], [false, true]);
    expect(countsAt(curve, 0.71)).toEqual({ tp: 0, fp: 0 });
    expect(countsAt(curve, 0)).toEqual({ tp: 1, fp: 1 });
    expect(whatIf(curve, 0.9, 0.95).precision).toBeNull();
  });

  it('swaps thresholds given in the wrong order rather than inventing negative review loads', () => {
    const curve = curveFromScores([0.1, 0.5, 0.9], [false, false, true]);
    const r = whatIf(curve, 0.8, 0.3);
    expect(r.reviewThreshold).toBe(0.3);
    expect(r.blockThreshold).toBe(0.8);
    expect(r.reviewCount).toBe(1);
  });
});
