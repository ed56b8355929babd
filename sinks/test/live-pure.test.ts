import { describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import { RECENT_WINDOW_MS, StatsAggregator, percentile } from '../src/live/aggregator.ts';
import { DropOldestBuffer } from '../src/live/client-buffer.ts';
import { feedPayload, sampleDraw } from '../src/live/sink.ts';
import { signFeedToken, verifyFeedToken } from '../src/live/token.ts';
import { scoredRecord } from './fixtures.ts';

const SECRET = 'a-test-secret-of-32-characters!!';

describe('live feed tokens', () => {
  const now = Date.UTC(2026, 0, 1);
  const exp = now / 1000 + 60;

  it('verifies a token it signed and returns the payload', () => {
    const token = signFeedToken(SECRET, { sub: 'alice', role: 'analyst', exp });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyFeedToken(SECRET, token, now)).toEqual({ sub: 'alice', role: 'analyst', exp });
  });

  it('refuses a tampered payload, another secret, an expired token, and garbage, with typed errors', () => {
    const token = signFeedToken(SECRET, { sub: 'alice', role: 'analyst', exp });
    const [, sig] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ sub: 'alice', role: 'admin', exp })).toString('base64url')}.${sig}`;
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e: unknown) {
        return isFraudError(e) ? e.code : 'untyped';
      }
    };
    expect(code(() => verifyFeedToken(SECRET, forged, now))).toBe('FORBIDDEN');
    expect(code(() => verifyFeedToken('another-secret-of-enough-length', token, now))).toBe('FORBIDDEN');
    expect(code(() => verifyFeedToken(SECRET, token, (exp + 1) * 1000))).toBe('FORBIDDEN');
    expect(code(() => verifyFeedToken(SECRET, undefined, now))).toBe('AUTH_REQUIRED');
    expect(code(() => verifyFeedToken(SECRET, 'a.b.c', now))).toBe('AUTH_REQUIRED');
    expect(code(() => verifyFeedToken(SECRET, 'nodot', now))).toBe('AUTH_REQUIRED');
    expect(code(() => signFeedToken('short', { sub: 'a', role: 'r', exp }))).toBe('CONFIG_INVALID');
  });
});

describe('DropOldestBuffer', () => {
  it('keeps the newest `capacity` items in order and counts drops', () => {
    const b = new DropOldestBuffer<number>(3);
    for (let i = 1; i <= 5; i++) b.push(i);
    expect(b.dropped).toBe(2);
    expect(b.size).toBe(3);
    expect([b.shift(), b.shift()]).toEqual([3, 4]);
    b.push(6);
    b.push(7);
    expect(b.push(8)).toBe(true);
    expect([b.shift(), b.shift(), b.shift(), b.shift()]).toEqual([6, 7, 8, undefined]);
    expect(b.dropped).toBe(3);
  });
});

describe('one-second aggregates', () => {
  it('computes tx/s, flagged share, latency percentiles, decisions and model version', () => {
    const agg = new StatsAggregator(0);
    const recs = Array.from({ length: 100 }, (_, i) => scoredRecord('agg', i));
    recs.forEach((r, i) =>
      agg.add({ ...r, scoredAt: r.source!.publishedAt + i + 1, modelVersion: i === 99 ? 'm-9' : 'm-1' }),
    );
    const s = agg.flush(2000);
    const flagged = recs.filter((r) => r.decision !== 'APPROVE').length;
    expect(s.txPerSecond).toBe(50);
    expect(s.fraudRate).toBeCloseTo(flagged / 100);
    expect(s.latencyP50Ms).toBe(50);
    expect(s.latencyP99Ms).toBe(99);
    expect(s.decisions.APPROVE + s.decisions.REVIEW + s.decisions.BLOCK).toBe(100);
    expect(s.decisions.BLOCK).toBe(recs.filter((r) => r.decision === 'BLOCK').length);
    expect(s.modelVersion).toBe('m-9');
    const empty = agg.flush(3000);
    expect(empty).toMatchObject({ at: 2000, txPerSecond: 0, fraudRate: null, latencyP50Ms: null });
  });

  it('the last five minutes and since start hold the rare BLOCKs one-second windows miss', () => {
    const agg = new StatsAggregator(0);
    const approve = scoredRecord('win', 0, { decision: 'APPROVE' });
    const block = scoredRecord('win', 1, { decision: 'BLOCK' });
    const seconds: ReturnType<StatsAggregator['flush']>[] = [];
    // 200 decisions a second for 10 s, one BLOCK in second 3: nine of ten seconds show 0%.
    for (let sec = 1; sec <= 10; sec++) {
      for (let i = 0; i < 200; i++) agg.add(sec === 3 && i === 0 ? block : approve);
      seconds.push(agg.flush(sec * 1000));
    }
    expect(seconds.filter((s) => s.fraudRate === 0)).toHaveLength(9);
    const last = seconds.at(-1)!;
    expect(last.recent).toMatchObject({ seconds: 10, count: 2000, block: 1, blockedAmount: block.transaction.amount });
    expect(last.recent.flaggedRate).toBeCloseTo(1 / 2000);
    expect(last.sinceStart).toMatchObject({ seconds: 10, count: 2000, block: 1 });
    // Past the window the BLOCK leaves `recent` and stays in `sinceStart`.
    agg.add(approve);
    const later = agg.flush(10_000 + RECENT_WINDOW_MS);
    expect(later.recent).toMatchObject({ count: 1, block: 0, blockedAmount: 0, seconds: RECENT_WINDOW_MS / 1000 });
    expect(later.sinceStart).toMatchObject({ count: 2001, block: 1, blockedAmount: block.transaction.amount });
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 0.99)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('approval sampling and payload', () => {
  it('samples about the configured share, deterministically by txId', () => {
    const n = 20_000;
    const hits = Array.from({ length: n }, (_, i) => sampleDraw(`tx-${i}`)).filter((d) => d < 0.1).length;
    expect(hits / n).toBeGreaterThan(0.09);
    expect(hits / n).toBeLessThan(0.11);
    expect(sampleDraw('tx-42')).toBe(sampleDraw('tx-42'));
  });

  it('flattens a scored record with latency from the source position', () => {
    const r = scoredRecord('p', 3);
    const p = feedPayload(r);
    expect(p).toMatchObject({
      txId: 'p-tx-3',
      type: r.transaction.type,
      amount: r.transaction.amount,
      decision: r.decision,
      latencyMs: 35,
      reasons: r.reasons,
    });
  });
});
