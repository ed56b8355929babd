import { expect } from 'vitest';
import { computeFeatures, createFeatureState } from '@fraud/model';
import type { ScoredTransaction } from '@fraud/schemas';

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * The features recorded in `scored` equal what one uninterrupted run computes: per partition,
 * the transactions in input-offset order through a fresh state of the shared feature module.
 */
export function expectFeaturesAsUninterrupted(scored: ScoredTransaction[], numPartitions: number): void {
  const byPartition = new Map<number, ScoredTransaction[]>();
  for (const s of scored) {
    const list = byPartition.get(s.source!.partition) ?? [];
    list.push(s);
    byPartition.set(s.source!.partition, list);
  }
  for (const [p, list] of byPartition) {
    list.sort((a, b) => a.source!.offset - b.source!.offset);
    const expected = computeFeatures(list.map((s) => s.transaction), createFeatureState({ partition: p, numPartitions }));
    const cols = list[0]!.features.length;
    const bad = list.findIndex((s, i) => s.features.some((v, j) => !same(v, expected[i * cols + j]!)));
    if (bad >= 0) {
      expect(list[bad]!.features, `features of ${list[bad]!.transaction.txId} (partition ${p}, row ${bad})`).toEqual(Array.from(expected.subarray(bad * cols, (bad + 1) * cols)));
    }
    expect(bad).toBe(-1);
  }
}
