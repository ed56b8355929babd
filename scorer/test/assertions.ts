import { expect } from 'vitest';
import { FEATURE_NAMES, computeFeatures, createDestinationView, createFeatureState } from '@fraud/model';
import type { ScoredTransaction } from '@fraud/schemas';

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));
const DEST_COLUMNS = FEATURE_NAMES.map((n, j) =>
  n.startsWith('dest_in_') || n === 'dest_fanin_24h' || n === 'dest_secs_since_prev_in' || n === 'dest_balance_gap'
    ? j
    : -1,
).filter((j) => j >= 0);

/**
 * The features recorded in `scored` equal what one uninterrupted run computes (fs-v2):
 * - origin and per-transaction columns: per partition, the transactions in input-offset order
 *   through a fresh state;
 * - destination columns: from ONE view holding every scored transaction of every partition,
 *   looked up at each transaction's eventTime (the view ignores events at or after it), which is
 *   exactly "every inbound strictly before t, over all partitions".
 */
export function expectFeaturesAsUninterrupted(
  scored: ScoredTransaction[],
  /** txIds decided synchronously: their destination columns used the view as read then (not compared). */
  staleDest: ReadonlySet<string> = new Set(),
): void {
  expect(DEST_COLUMNS).toHaveLength(8);
  const global = createDestinationView();
  for (const s of scored) global.add(s.transaction);
  const byPartition = new Map<number, ScoredTransaction[]>();
  for (const s of scored) {
    const list = byPartition.get(s.source!.partition) ?? [];
    list.push(s);
    byPartition.set(s.source!.partition, list);
  }
  for (const [p, list] of byPartition) {
    list.sort((a, b) => a.source!.offset - b.source!.offset);
    // A private view per partition for the origin columns; destination columns come from `global`.
    const expected = computeFeatures(
      list.map((s) => s.transaction),
      createFeatureState({ partition: p }),
    );
    const cols = list[0]!.features.length;
    list.forEach((s, i) => {
      const row = staleDest.has(s.transaction.txId)
        ? s.features
        : computeFeatures([s.transaction], createFeatureState({ view: global }));
      for (const j of DEST_COLUMNS) expected[i * cols + j] = row[j]!;
    });
    const bad = list.findIndex((s, i) => s.features.some((v, j) => !same(v, expected[i * cols + j]!)));
    if (bad >= 0) {
      expect(list[bad]!.features, `features of ${list[bad]!.transaction.txId} (partition ${p}, row ${bad})`).toEqual(
        Array.from(expected.subarray(bad * cols, (bad + 1) * cols)),
      );
    }
    expect(bad).toBe(-1);
  }
}
