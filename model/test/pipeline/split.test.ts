import { describe, expect, it } from 'vitest';
import { dataFingerprint, explicitSplit, partOf, planSplit } from '../../src/pipeline/index.ts';
import { tx } from '../features/helpers.ts';

const H = 3_600_000;

describe('time-ordered split', () => {
  // 100 hourly steps with 10 rows each
  const times = Array.from({ length: 1000 }, (_, i) => Math.floor(i / 10) * H);

  it('train < gap < valid < gap < test, by event time, never mixing a step', () => {
    const plan = planSplit(times, { gapMs: 5 * H, validFraction: 0.2, testFraction: 0.2 });
    expect(plan.valid.from).toBe(60 * H);
    expect(plan.test?.from).toBe(80 * H);
    expect(plan.train.to).toBe(55 * H);
    expect(plan.valid.to).toBe(75 * H);
    const parts = times.map((t) => partOf(t, plan));
    expect(parts.filter((p) => p === 'train').length).toBe(550);
    expect(parts.filter((p) => p === 'gap').length).toBe(100);
    expect(parts.filter((p) => p === 'valid').length).toBe(150);
    expect(parts.filter((p) => p === 'test').length).toBe(200);
    // every training time precedes every validation time by at least the gap
    const lastTrain = Math.max(...times.filter((t) => partOf(t, plan) === 'train'));
    const firstValid = Math.min(...times.filter((t) => partOf(t, plan) === 'valid'));
    expect(firstValid - lastTrain).toBeGreaterThan(5 * H - 1);
  });

  it('edges: a time equal to a part boundary belongs to the later part', () => {
    const plan = explicitSplit({ trainFrom: 0, validFrom: 10 * H, testFrom: 20 * H, gapMs: 2 * H });
    expect(partOf(8 * H - 1, plan)).toBe('train');
    expect(partOf(8 * H, plan)).toBe('gap');
    expect(partOf(10 * H, plan)).toBe('valid');
    expect(partOf(18 * H, plan)).toBe('gap');
    expect(partOf(20 * H, plan)).toBe('test');
  });

  it('refuses a gap that swallows a part', () => {
    expect(() => planSplit(times, { gapMs: 100 * H, validFraction: 0.2, testFraction: 0.2 })).toThrow(
      /label-delay gap/,
    );
  });

  it('fingerprints the rows used: any change to a row changes it', () => {
    const rows = [0, 1, 2].map((i) => ({
      tx: tx({ t: i * H, type: 'PAYMENT', amount: 100 + i, orig: `C${i}`, ob: 1000, dest: 'M1', db: 0 }),
      isFraud: false,
    }));
    const a = dataFingerprint(rows);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(dataFingerprint(rows)).toBe(a);
    expect(dataFingerprint([...rows.slice(0, 2), { ...rows[2]!, isFraud: true }])).not.toBe(a);
  });
});
