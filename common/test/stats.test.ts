import { describe, expect, it } from 'vitest';
import { sortedPercentile } from '../src/stats.ts';

describe('sortedPercentile', () => {
  it('takes the element at floor(q * n) of an ascending sample, the last one at q = 1, NaN when empty', () => {
    const sample = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(sortedPercentile(sample, 0.5)).toBe(51);
    expect(sortedPercentile(sample, 0.99)).toBe(100);
    expect(sortedPercentile(sample, 0)).toBe(1);
    expect(sortedPercentile(sample, 1)).toBe(100);
    expect(sortedPercentile([7], 0.5)).toBe(7);
    expect(sortedPercentile([], 0.5)).toBeNaN();
  });
});
