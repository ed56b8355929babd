import { describe, expect, it } from 'vitest';
import { sampleScored } from '@fraud/schemas/testing';
import type { ScoredTransaction } from '@fraud/schemas';
import { DecisionMemory } from '../src/sync/memory.ts';

const decision = (txId: string, score: number): ScoredTransaction => {
  const s = sampleScored();
  return { ...s, score, transaction: { ...s.transaction, txId } };
};

describe('DecisionMemory (decisions held as their Avro bytes)', () => {
  it('gives back each decision as it was set, a fresh copy every time', () => {
    const memory = new DecisionMemory(10);
    const a = decision('tx-a', 0.25);
    memory.set('tx-a', a);
    const got = memory.get('tx-a')!;
    expect(got).toEqual(a);
    got.score = 0.99;
    got.reasons.push({ feature: 'x', value: 1, contribution: 1 } as never);
    expect(memory.get('tx-a')).toEqual(a);
    expect(memory.get('tx-unknown')).toBeUndefined();
  });

  it('forgets the oldest beyond its capacity; a decision set again counts as the newest', () => {
    const memory = new DecisionMemory(2);
    memory.set('1', decision('1', 0.1));
    memory.set('2', decision('2', 0.2));
    memory.set('1', decision('1', 0.15));
    memory.set('3', decision('3', 0.3));
    expect(memory.get('2')).toBeUndefined();
    expect(memory.get('1')?.score).toBe(0.15);
    expect(memory.get('3')?.score).toBe(0.3);
    expect(memory.size).toBe(2);
  });

  it('holds nothing at capacity 0', () => {
    const memory = new DecisionMemory(0);
    memory.set('1', decision('1', 0.1));
    expect(memory.get('1')).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('writes decisions across several slabs without mixing their bytes', () => {
    const memory = new DecisionMemory(5_000);
    const all = Array.from({ length: 3_000 }, (_, i) => decision(`tx-${i}`, i / 3_000));
    for (const d of all) memory.set(d.transaction.txId, d);
    // ~250 bytes each: 3,000 decisions fill three 256 KiB slabs.
    for (const i of [0, 1, 1_023, 1_024, 1_999, 2_999]) expect(memory.get(`tx-${i}`)).toEqual(all[i]);
  });

  it('frees a slab once none of its decisions is remembered', () => {
    // ~250-byte decisions, 1 KiB slabs: about four per slab.
    const memory = new DecisionMemory(8, { slabBytes: 1024, slabs: 64 });
    const all = Array.from({ length: 40 }, (_, i) => decision(`tx-${i}`, i / 40));
    for (const d of all) memory.set(d.transaction.txId, d);
    // 8 remembered: at most three slabs hold them (and the slab being written).
    expect(memory.size).toBe(8);
    expect(memory.slabsInUse).toBeLessThanOrEqual(4);
    for (let i = 32; i < 40; i++) expect(memory.get(`tx-${i}`)).toEqual(all[i]);
    expect(memory.get('tx-31')).toBeUndefined();
  });

  it('when slab numbers come round, forgets the oldest decisions first and never mixes bytes', () => {
    const memory = new DecisionMemory(1_000, { slabBytes: 1024, slabs: 3 });
    const all = Array.from({ length: 50 }, (_, i) => decision(`tx-${i}`, i / 50));
    for (const d of all) memory.set(d.transaction.txId, d);
    // Three slabs of about four: only the newest few fit, whatever the capacity.
    expect(memory.size).toBeGreaterThan(4);
    expect(memory.size).toBeLessThan(13);
    const kept = all.filter((d) => memory.get(d.transaction.txId) !== undefined);
    expect(kept.map((d) => d.transaction.txId)).toEqual(all.slice(50 - memory.size).map((d) => d.transaction.txId));
    for (const d of kept) expect(memory.get(d.transaction.txId)).toEqual(d);
  });

  it('a decision larger than a slab gets a slab of its own', () => {
    const memory = new DecisionMemory(10, { slabBytes: 64, slabs: 8 });
    const a = decision('tx-a', 0.1);
    const b = decision('tx-b', 0.2);
    memory.set('tx-a', a);
    memory.set('tx-b', b);
    expect(memory.get('tx-a')).toEqual(a);
    expect(memory.get('tx-b')).toEqual(b);
  });
});
