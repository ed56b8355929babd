import { describe, expect, it } from 'vitest';
import { partitionFor } from '@fraud/kafka';
import { decodeBundle } from '../src/entity/protocol.ts';
import { createEntityWriter, type EntityChunk } from '../src/entity/writer.ts';

type Sent = { topic: string; messages: Array<{ partition: number; value: Buffer }> };

/** A producer that records each send and answers when told to. */
function recordingProducer() {
  const sends: Sent[] = [];
  const pending: Array<() => void> = [];
  return {
    sends,
    release: () => pending.splice(0).forEach((r) => r()),
    producer: {
      send: (r: Sent) => {
        sends.push(r);
        return new Promise<never[]>((resolve) => pending.push(() => resolve([])));
      },
    },
  };
}

const chunk = (partition: number, n: number, size = 10): EntityChunk => ({
  partition,
  from: 100n,
  next: 100n + BigInt(n),
  fields: ['destAccount'],
  copies: Array.from({ length: n }, (_, i) => ({
    field: 'destAccount',
    key: `C${partition}-${i}`,
    value: Buffer.alloc(size, i % 256),
  })),
  newest: 1_000 + n,
  appendedBy: 2_000,
});

describe('entity writer', () => {
  it('writes that arrive while one is in flight go out together, one bundle per entity partition', async () => {
    const p = recordingProducer();
    const writer = createEntityWriter({ producer: p.producer as never, topic: 'ee', partitions: 3 });
    const first = writer.write(chunk(0, 5));
    const second = writer.write(chunk(1, 7));
    const third = writer.write(chunk(2, 2));
    expect(p.sends).toHaveLength(1);
    p.release();
    await first;
    // The two that waited share the next produce.
    await new Promise((r) => setImmediate(r));
    expect(p.sends).toHaveLength(2);
    p.release();
    await Promise.all([second, third]);
    const next = p.sends[1]!;
    expect(next.messages.map((m) => m.partition)).toEqual([0, 1, 2]);
    const bundles = next.messages.map((m) => decodeBundle(m.value)!);
    // Every partition gets both batches' markers; each copy lands in its key's partition.
    for (const b of bundles) expect(b.markers.map((m) => m.p)).toEqual([1, 2]);
    const copies = bundles.flatMap((b, q) => b.copies.map((c) => ({ q, key: c.key })));
    expect(copies).toHaveLength(9);
    for (const c of copies) expect(partitionFor(c.key, 3)).toBe(c.q);
  });

  it('splits a partition past 512 KiB into bundles, the markers in the last one only', async () => {
    const sends: Sent[] = [];
    const producer = { send: async (r: Sent) => (sends.push(r), []) };
    const writer = createEntityWriter({ producer: producer as never, topic: 'ee', partitions: 1 });
    await writer.write(chunk(0, 300, 4_000));
    const messages = sends.flatMap((x) => x.messages);
    const bundles = messages.map((m) => decodeBundle(m.value)!);
    expect(bundles.length).toBeGreaterThan(2);
    for (const m of messages) expect(m.value.length).toBeLessThanOrEqual(512 * 1024 + 1024);
    expect(bundles.slice(0, -1).every((b) => b.markers.length === 0)).toBe(true);
    expect(bundles.at(-1)!.markers).toEqual([expect.objectContaining({ p: 0, from: '100', next: '400' })]);
    expect(bundles.reduce((n, b) => n + b.copies.length, 0)).toBe(300);
  });

  it('a catch-up flush goes out in requests of at most 768 KiB per partition, in order', async () => {
    const sends: Sent[] = [];
    const writer = createEntityWriter({
      producer: { send: async (r: Sent) => (sends.push(r), []) } as never,
      topic: 'ee',
      partitions: 1,
    });
    await writer.write(chunk(0, 600, 4_000));
    expect(sends.length).toBeGreaterThan(2);
    for (const s of sends) expect(s.messages.reduce((n, m) => n + m.value.length, 0)).toBeLessThanOrEqual(768 * 1024);
    const bundles = sends.flatMap((s) => s.messages.map((m) => decodeBundle(m.value)!));
    expect(bundles.reduce((n, b) => n + b.copies.length, 0)).toBe(600);
    expect(bundles.at(-1)!.markers).toHaveLength(1);
    expect(bundles.slice(0, -1).every((b) => b.markers.length === 0)).toBe(true);
    expect(bundles.flatMap((b) => b.copies.map((c) => c.key))).toEqual(
      Array.from({ length: 600 }, (_, i) => `C0-${i}`),
    );
  });

  it('a failed produce fails every write it carried', async () => {
    let fail = true;
    const writer = createEntityWriter({
      producer: { send: async () => (fail ? Promise.reject(new Error('broker down')) : []) } as never,
      topic: 'ee',
      partitions: 2,
    });
    await expect(writer.write(chunk(0, 1))).rejects.toThrow(/broker down/);
    fail = false;
    await expect(writer.write(chunk(1, 1))).resolves.toBeUndefined();
  });
});
