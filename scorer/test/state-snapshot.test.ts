import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../src/recent-ids.ts';
import {
  SNAPSHOT_PART_BYTES,
  decodeSnapshot,
  newestComplete,
  serialiseSnapshot,
  snapshotMessages,
  type PartitionSnapshot,
} from '../src/state-snapshot.ts';

const snapshot = (over: Partial<PartitionSnapshot> = {}): PartitionSnapshot => ({
  partition: 2,
  next: 12_345n,
  scoredFrom: 12_000n,
  takenAt: 1_700_000_000_000,
  states: { abc: { format: 'x', origins: [['acct', 1]] } },
  recent: ['t1', 't2'],
  ahead: ['t2'],
  ...over,
});

/** The records as a read of the topic hands them back: offsets in order, headers as Buffers. */
function asRead(messages: Awaited<ReturnType<typeof snapshotMessages>>, firstOffset: number) {
  if (!('messages' in messages)) throw new Error('too large');
  return messages.messages.map((m, i) => ({
    value: m.value,
    offset: String(firstOffset + i),
    headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
  }));
}

describe('state snapshots', () => {
  it('round-trips through gzip, parts and the decoder', async () => {
    const s = snapshot();
    const packed = await snapshotMessages('t', 2, serialiseSnapshot(s), 'id-1');
    const back = newestComplete(asRead(packed, 0));
    expect(back).not.toBeNull();
    expect(await decodeSnapshot(back!)).toEqual(s);
  });

  it('cuts a large snapshot into parts keyed per partition and part, and reassembles them in order', async () => {
    // Random bytes do not compress: about 3 parts.
    const blob = randomBytes(Math.floor(SNAPSHOT_PART_BYTES * 1.1)).toString('base64');
    const s = snapshot({ states: { abc: { blob } } });
    const packed = await snapshotMessages('t', 2, serialiseSnapshot(s), 'id-big');
    if (!('messages' in packed)) throw new Error('too large');
    expect(packed.messages.length).toBeGreaterThan(1);
    expect(packed.messages.map((m) => m.key!.toString())).toEqual(packed.messages.map((_, i) => `2/${i}`));
    expect(packed.messages.every((m) => m.partition === 2 && m.value!.length <= SNAPSHOT_PART_BYTES)).toBe(true);
    const read = asRead(packed, 10).reverse(); // the newest wins by offset, not by read order
    expect(await decodeSnapshot(newestComplete(read)!)).toEqual(s);
  });

  it('picks the newest complete snapshot; an incomplete newer one (parts compacted away) is ignored', async () => {
    const older = snapshot({ next: 100n });
    const newer = snapshot({ next: 200n, states: { abc: { blob: randomBytes(SNAPSHOT_PART_BYTES).toString('hex') } } });
    const a = asRead(await snapshotMessages('t', 2, serialiseSnapshot(older), 'old'), 0);
    const b = asRead(await snapshotMessages('t', 2, serialiseSnapshot(newer), 'new'), 5);
    expect((await decodeSnapshot(newestComplete([...a, ...b])!)).next).toBe(200n);
    expect((await decodeSnapshot(newestComplete([...a, ...b.slice(1)])!)).next).toBe(100n);
    expect(newestComplete(b.slice(1))).toBeNull();
    expect(newestComplete([])).toBeNull();
  });

  it('reads a snapshot written without `ahead` (no synchronous decision pending) as an empty list', async () => {
    const { ahead: _none, ...older } = JSON.parse(serialiseSnapshot(snapshot())) as Record<string, unknown>;
    const packed = await snapshotMessages('t', 2, JSON.stringify(older), 'old');
    expect((await decodeSnapshot(newestComplete(asRead(packed, 0))!)).ahead).toEqual([]);
  });

  it('refuses bytes that are not a snapshot, saying why', async () => {
    await expect(decodeSnapshot(Buffer.from('nope'))).rejects.toThrow(/not gzipped JSON/);
    const wrong = await snapshotMessages('t', 0, JSON.stringify({ format: 'other/9' }), 'w');
    await expect(decodeSnapshot(newestComplete(asRead(wrong, 0))!)).rejects.toThrow(/unknown format other\/9/);
  });

  it('lists a dedupe window oldest first, and the list rebuilds the same window', () => {
    const w = new RecentIds(3);
    for (const id of ['a', 'b', 'c', 'd', 'b']) w.add(id);
    expect(w.list()).toEqual(['b', 'c', 'd']);
    const again = new RecentIds(3);
    for (const id of w.list()) again.add(id);
    again.add('e');
    expect(again.list()).toEqual(['c', 'd', 'e']);
    expect(new RecentIds(0).list()).toEqual([]);
  });
});
