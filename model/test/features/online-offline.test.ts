import { describe, expect, it } from 'vitest';
import { TRANSACTION_TYPES, type Transaction } from '@fraud/schemas';
import {
  computeFeatures,
  createFeatureState,
  featuresForFile,
  NUM_FEATURES,
  partitionOf,
  restoreFeatureState,
  type FeatureState,
} from '../../src/features/index.ts';
import { rng, sameFloats, tx } from './helpers.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

/** A random 3-day history: few accounts so windows, payees and fan-in all get exercised. */
function history(seed: number, n: number): Transaction[] {
  const r = rng(seed);
  const out: Transaction[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.7) t += Math.floor(r() * 0.05 * H); // ties happen (PaySim has whole-hour steps)
    const dest = r() < 0.3 ? `M${Math.floor(r() * 15)}` : `C${Math.floor(r() * 60)}`;
    out.push(tx({
      id: `tx${i}`,
      t,
      type: TRANSACTION_TYPES[Math.floor(r() * 5)] ?? 'PAYMENT',
      amount: Math.floor(r() * 1e6),
      orig: `C${Math.floor(r() * 80)}`,
      ob: r() < 0.2 ? 0 : Math.floor(r() * 2e6),
      dest,
      db: r() < 0.3 ? 0 : Math.floor(r() * 2e6),
    }));
  }
  return out;
}

describe('online micro-batches equal offline whole-file features', () => {
  for (const numPartitions of [1, 4]) {
    it(`any batch split, with snapshot/restore through JSON, ${numPartitions} partition(s)`, () => {
      const txs = history(7 + numPartitions, 4000);
      const offline = featuresForFile(txs, { numPartitions, maxEventsPerAccount: 64, maxPayees: 8 });
      const r = rng(99);
      for (let trial = 0; trial < 3; trial++) {
        const online = new Float32Array(offline.data.length);
        const states: FeatureState[] = Array.from({ length: numPartitions }, (_, p) => createFeatureState({ numPartitions, partition: p, maxEventsPerAccount: 64, maxPayees: 8 }));
        // the consumer sees each partition's records in order, in arbitrary micro-batches
        const byPartition: number[][] = states.map(() => []);
        txs.forEach((x, i) => byPartition[partitionOf(x.originAccount, numPartitions)]?.push(i));
        for (let p = 0; p < numPartitions; p++) {
          const idx = byPartition[p] ?? [];
          let k = 0;
          while (k < idx.length) {
            const size = 1 + Math.floor(r() * (trial === 0 ? 3 : 200));
            const batch = idx.slice(k, k + size);
            const rows = computeFeatures(batch.map((i) => txs[i] as Transaction), states[p] as FeatureState);
            batch.forEach((i, j) => online.set(rows.subarray(j * NUM_FEATURES, (j + 1) * NUM_FEATURES), i * NUM_FEATURES));
            k += size;
            if (r() < 0.1) states[p] = restoreFeatureState(JSON.parse(JSON.stringify((states[p] as FeatureState).snapshot())));
          }
        }
        expect(sameFloats(online, offline.data)).toBe(true);
      }
    });
  }

  it('destination features depend on the partition count, so it is part of the model contract', () => {
    const txs = history(3, 3000);
    const one = featuresForFile(txs, { numPartitions: 1 });
    const four = featuresForFile(txs, { numPartitions: 4 });
    expect(sameFloats(one.data, four.data)).toBe(false);
  });

  it('a snapshot restores to a state that continues exactly like the original', () => {
    const txs = history(5, 1000);
    const a = createFeatureState({ numPartitions: 1 });
    computeFeatures(txs.slice(0, 600), a);
    const b = restoreFeatureState(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.size()).toEqual(a.size());
    expect(sameFloats(computeFeatures(txs.slice(600), a), computeFeatures(txs.slice(600), b))).toBe(true);
  });

  it('restore rejects a snapshot of another format with RECORD_INVALID', () => {
    expect(() => restoreFeatureState({ format: 'x' })).toThrow(/snapshot is invalid/);
    const snap = createFeatureState().snapshot();
    expect(() => restoreFeatureState({ ...snap, origins: [['C1', 'bad']] })).toThrow(/origin entry C1/);
  });
});

describe('featureCompatibilityProblem', () => {
  it('accepts a model for this feature set and partition count, names every mismatch', async () => {
    const { featureCompatibilityProblem, FEATURE_NAMES, FEATURE_SET } = await import('../../src/features/index.ts');
    const meta = { version: 'v1', featureSet: FEATURE_SET, featureNames: [...FEATURE_NAMES], featureOptions: { numPartitions: 6 } };
    expect(featureCompatibilityProblem(meta, 6)).toBeNull();
    expect(featureCompatibilityProblem({ ...meta, featureOptions: undefined }, 6)).toBeNull();
    expect(featureCompatibilityProblem(meta, 3)).toMatch(/trained for 6 partitions .* has 3; retrain with --partitions 3/);
    expect(featureCompatibilityProblem({ ...meta, featureSet: 'fs-v0' }, 6)).toMatch(/feature set fs-v0/);
    expect(featureCompatibilityProblem({ ...meta, featureNames: FEATURE_NAMES.slice(1) }, 6)).toMatch(/differ/);
  });
});
