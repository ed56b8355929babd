import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaysimLine, sortByEventTime } from '../../src/csv/index.ts';
import { FEATURE_NAMES, featuresForFile } from '../../src/features/index.ts';
import { rng, sameFloats } from './helpers.ts';
import { paysimFixture } from '@fraud/common/testing';

const HEAD = paysimFixture('paysim-head-5330.csv');

function matrixOf(lines: string[]): Float32Array {
  const rows = lines.map((l, i) => parsePaysimLine(l, i + 1));
  return featuresForFile(sortByEventTime(rows).map((r) => r.tx)).data;
}

describe('no post-transaction information in the features', () => {
  const lines = readFileSync(HEAD, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.split(',').length === 11);

  it('scrambling newbalanceOrig/newbalanceDest (and the labels) leaves the feature matrix identical', () => {
    const r = rng(1);
    const scrambled = lines.map((l) => {
      const f = l.split(',');
      f[5] = (r() * 1e7).toFixed(2);
      f[8] = (r() * 1e7).toFixed(2);
      f[9] = r() < 0.5 ? '1' : '0';
      f[10] = r() < 0.5 ? '1' : '0';
      return f.join(',');
    });
    expect(lines.length).toBeGreaterThan(5000);
    expect(sameFloats(matrixOf(lines), matrixOf(scrambled))).toBe(true);
  });

  it('changing a pre-transaction balance does change the matrix (the comparison is sensitive)', () => {
    const changed = lines.map((l, i) => {
      if (i !== 10) return l;
      const f = l.split(',');
      f[4] = String(Number(f[4]) + 1234.5);
      return f.join(',');
    });
    expect(sameFloats(matrixOf(lines), matrixOf(changed))).toBe(false);
  });

  it('no feature is named after a post-transaction balance', () => {
    expect(FEATURE_NAMES.filter((n) => /new_?balance|after/i.test(n))).toEqual([]);
  });
});
