import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/index.ts';
import { label, scored } from '../fixtures.ts';

describe('training store', () => {
  let db: Db | undefined;
  afterEach(() => db?.close());

  it('joins labels with the logged features, bit for bit, whichever arrives first', async () => {
    db = await openDb(':memory:');
    const { training } = await openStore(db);
    const odd = [0.1, Math.fround(1 / 3), Number.NaN, -7.25];
    await training.ingestScored([scored('a', 100, odd), scored('b', 200, [1, 2, 3, 4])]);
    await training.ingestLabels([label('a', true, 10, 'takeover'), label('c', false)]); // c: before its transaction
    let c = await training.counters();
    expect(c.labels_joined).toBe(1);
    expect(c.labels_early).toBe(1);
    await training.ingestScored([scored('c', 300, [5, 6, 7, 8])]);
    c = await training.counters();
    expect(c.labels_early_joined).toBe(1);
    expect(c.labels_joined).toBe(2);
    const rows = await training.loadLabelled({ featureSet: 'fs-test' });
    expect(rows.txIds).toEqual(['a', 'c']);
    expect(Array.from(rows.features.slice(0, 4)).map(String)).toEqual(Array.from(Float32Array.from(odd)).map(String));
    expect(Array.from(rows.labels)).toEqual([1, 0]);
    expect(rows.typology).toEqual(['takeover', null]);
  });

  it('is idempotent for duplicates, applies corrections, ignores stale verdicts, expires unknown txIds', async () => {
    db = await openDb(':memory:');
    const { training } = await openStore(db);
    await training.ingestScored([scored('a', 100, [1]), scored('b', 110, [2])]);
    await training.ingestScored([scored('a', 100, [1])]);
    await training.ingestLabels([label('a', false, 10), label('a', false, 10), label('b', false, 10)]);
    await training.ingestLabels([label('a', false, 11)]);
    await training.ingestLabels([label('b', true, 20)]); // correction (newer)
    await training.ingestLabels([label('b', false, 5)]); // stale (older than the correction)
    await training.ingestLabels([label('zz', true, 5)]);
    const seqBefore = await training.newLabelsSince(0);
    expect(seqBefore.labels).toBe(2);
    expect(seqBefore.frauds).toBe(1);
    expect(await training.expirePending(60_000, Date.now() + 120_000)).toBe(1);
    const c = await training.counters();
    expect(c.scored_duplicate).toBe(1);
    expect(c.labels_duplicate).toBe(2);
    expect(c.labels_corrected).toBe(1);
    expect(c.labels_stale).toBe(1);
    expect(c.labels_unknown_expired).toBe(1);
    expect((await training.stats()).pending).toBe(0);
    const rows = await training.loadLabelled({ featureSet: 'fs-test' });
    expect(Array.from(rows.labels)).toEqual([0, 1]);
  });

  it('drops rows outside the retention window (event time) with their labels', async () => {
    db = await openDb(':memory:');
    const { training } = await openStore(db);
    await training.ingestScored([scored('old', 0, [1]), scored('new', 10 * 3_600_000, [2])]);
    await training.ingestLabels([label('old', true), label('new', false)]);
    expect(await training.applyRetention(3_600_000)).toBe(1);
    const s = await training.stats();
    expect(s.scored).toBe(1);
    expect(s.labels).toBe(1);
  });
});
