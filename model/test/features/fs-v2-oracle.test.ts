import { describe, expect, it } from 'vitest';
import { paysimFixture } from '@fraud/common/testing';
import { loadPaysimCsv, sortByEventTime } from '../../src/csv/index.ts';
import { compileFeatureSpec, FEATURE_NAMES, featuresForFile, loadFeatureSpec } from '../../src/features/index.ts';
import { featuresForFile as oracleFeaturesForFile } from './fs-v2-oracle/compute.ts';

const FIXTURES = ['paysim-head-5330.csv', 'paysim-blocks-12651.csv', 'paysim-steps1-119-sample.csv'] as const;

/** First cell (row, feature) where two matrices differ bit for bit (NaN equals NaN, -0 differs from 0). */
function firstDifference(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      const cols = FEATURE_NAMES.length;
      return `row ${Math.floor(i / cols)} ${FEATURE_NAMES[i % cols]}: ${a[i]} vs ${b[i]}`;
    }
  }
  return null;
}

describe('model/feature-sets/fs-v2.json reproduces the hard-coded fs-v2 features', () => {
  const fsV2 = compileFeatureSpec(loadFeatureSpec('fs-v2'));

  it('names the same 34 columns in the same order', () => {
    expect(fsV2.names).toEqual([...FEATURE_NAMES]);
    expect(fsV2.entities).toEqual(['destAccount']);
    expect(fsV2.usesLabels).toBe(false);
  });

  for (const file of FIXTURES) {
    it(`bit-identical matrix on ${file} (engine, the fs-v2 wrapper and the oracle)`, async () => {
      const txs = sortByEventTime(await loadPaysimCsv(paysimFixture(file))).map((r) => r.tx);
      const oracle = oracleFeaturesForFile(txs);
      const engine = fsV2.computeFile(txs);
      expect(engine.cols).toBe(34);
      expect(engine.rows).toBe(txs.length);
      expect(firstDifference(oracle.data, engine.data)).toBeNull();
      expect(firstDifference(oracle.data, featuresForFile(txs).data)).toBeNull();
    });
  }

  it('the comparison is sensitive: a changed balance changes a cell', async () => {
    const txs = sortByEventTime(await loadPaysimCsv(paysimFixture('paysim-head-5330.csv'))).map((r) => r.tx);
    const changed = txs.map((tx, i) =>
      i === 100 ? { ...tx, originBalanceBefore: (tx.originBalanceBefore ?? 0) + 1 } : tx,
    );
    expect(firstDifference(oracleFeaturesForFile(txs).data, fsV2.computeFile(changed).data)).not.toBeNull();
  });
});
