import { describe, expect, it } from 'vitest';
import {
  createLabelScheduler,
  createRng,
  planLabel,
  sampleDelay,
  type LabelPolicy,
  type PendingLabel,
} from '../src/index.ts';

const label = (txId: string, dueAt: number): PendingLabel => ({
  dueAt,
  label: { txId, isFraud: false, source: 'SIMULATION', labeledAt: dueAt, note: null, typology: null, author: 'test' },
});

describe('label delay and scheduler', () => {
  it('releases labels in due-time order, ties in scheduling order, only once due', () => {
    const s = createLabelScheduler();
    const rng = createRng(1);
    const items = Array.from({ length: 2_000 }, (_, i) => label(`t${i}`, Math.floor(rng.next() * 100)));
    for (const it of items) s.schedule(it);
    expect(s.due(-1)).toEqual([]);
    const first = s.due(49);
    const rest = s.drain();
    const expected = [...items]
      .map((it, i) => ({ ...it, i }))
      .sort((a, b) => a.dueAt - b.dueAt || a.i - b.i)
      .map((x) => x.label.txId);
    expect([...first, ...rest].map((l) => l.txId)).toEqual(expected);
    expect(first.every((l) => l.labeledAt <= 49)).toBe(true);
    expect(rest.every((l) => l.labeledAt > 49)).toBe(true);
    expect(s.size).toBe(0);
  });

  it('delay 0 is allowed: the label is due with its transaction', () => {
    const policy: LabelPolicy = {
      fraudDelay: { kind: 'fixed', ms: 0 },
      legitDelay: { kind: 'fixed', ms: 0 },
      legitSampleRate: 1,
    };
    const p = planLabel(policy, createRng(1), { txId: 'x', eventTime: 1_000 }, true, 'takeover');
    expect(p?.dueAt).toBe(1_000);
    expect(p?.label).toMatchObject({ txId: 'x', isFraud: true, typology: 'takeover', labeledAt: 1_000 });
  });

  it('fraud delays span minutes to days within bounds; legit labels can be sampled', () => {
    const rng = createRng(2);
    const d = {
      kind: 'lognormal' as const,
      medianMs: 6 * 3_600_000,
      sigma: 1.2,
      minMs: 300_000,
      maxMs: 3 * 86_400_000,
    };
    const delays = Array.from({ length: 20_000 }, () => sampleDelay(d, rng)).sort((a, b) => a - b);
    expect(delays[0]).toBeGreaterThanOrEqual(300_000);
    expect(delays[delays.length - 1]).toBeLessThanOrEqual(3 * 86_400_000);
    expect(delays[Math.floor(delays.length * 0.05)]!).toBeLessThan(3_600_000);
    expect(delays[Math.floor(delays.length * 0.95)]!).toBeGreaterThan(86_400_000);
    const median = delays[delays.length / 2]!;
    expect(median / (6 * 3_600_000)).toBeGreaterThan(0.9);
    expect(median / (6 * 3_600_000)).toBeLessThan(1.1);

    const policy: LabelPolicy = { fraudDelay: d, legitDelay: { kind: 'fixed', ms: 86_400_000 }, legitSampleRate: 0.1 };
    let legit = 0;
    let fraud = 0;
    for (let i = 0; i < 10_000; i++) {
      if (planLabel(policy, rng, { txId: `l${i}`, eventTime: 0 }, false, null)) legit++;
      if (planLabel(policy, rng, { txId: `f${i}`, eventTime: 0 }, true, 'paysim')) fraud++;
    }
    expect(fraud).toBe(10_000);
    expect(legit).toBeGreaterThan(850);
    expect(legit).toBeLessThan(1_150);
  });
});
