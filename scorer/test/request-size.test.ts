import { describe, expect, it } from 'vitest';
import { byRequestSize } from '../src/eos-loop.ts';

describe('byRequestSize', () => {
  it('keeps order, every message once, and each request under the byte budget', () => {
    const msgs = Array.from({ length: 100 }, (_, i) => ({
      topic: i % 7 === 0 ? 'dlq' : 'scored',
      key: Buffer.from(`k${i}`),
      value: Buffer.alloc(100 + i),
    }));
    const requests = byRequestSize(msgs, 2_000);
    expect(requests.length).toBeGreaterThan(5);
    const flat = requests.flatMap((r) =>
      r.flatMap((t) => t.messages.map((m) => ({ topic: t.topic, key: (m.key as Buffer).toString() }))),
    );
    expect(flat.filter((m) => m.topic === 'scored').map((m) => m.key)).toEqual(
      msgs.filter((m) => m.topic === 'scored').map((m) => m.key.toString()),
    );
    expect(flat).toHaveLength(100);
    for (const r of requests) {
      const bytes = r.reduce(
        (s, t) => s + t.messages.reduce((a, m) => a + (m.key as Buffer).length + (m.value as Buffer).length + 64, 0),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(2_000);
    }
  });

  it('a single message bigger than the budget still goes, alone', () => {
    const requests = byRequestSize(
      [
        { topic: 't', key: null, value: Buffer.alloc(5_000) },
        { topic: 't', key: null, value: Buffer.alloc(10) },
      ],
      1_000,
    );
    expect(requests.map((r) => r[0]!.messages.length)).toEqual([1, 1]);
  });
});
