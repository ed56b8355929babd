import { describe, expect, it } from 'vitest';
import { normalizeStats, pushCapped, scoreHistogram, toLiveRow } from './live.ts';

describe('live feed shapes', () => {
  it('reads the sinks stats event', () => {
    const s = normalizeStats({
      at: 5,
      txPerSecond: 812.5,
      fraudRate: 0.02,
      latencyP50Ms: 3,
      latencyP99Ms: 21,
      decisions: { APPROVE: 790, REVIEW: 15, BLOCK: 7 },
      modelVersion: 'm1',
    });
    expect(s).toMatchObject({
      at: 5,
      txPerSec: 812.5,
      fraudRate: 0.02,
      latencyP50Ms: 3,
      latencyP99Ms: 21,
      approvals: 790,
      modelVersion: 'm1',
      consumerLag: null,
    });
    expect(s.decisions).toEqual({ APPROVE: 790, REVIEW: 15, BLOCK: 7 });
    expect(s.recent).toBeNull();
  });

  it('reads the last-5-minutes and since-start totals of the stats event', () => {
    const window = {
      seconds: 300,
      count: 60_000,
      review: 40,
      block: 12,
      blockedAmount: 9_000_00,
      flaggedRate: 52 / 60_000,
    };
    const s = normalizeStats({ at: 5, txPerSecond: 200, recent: window, sinceStart: { ...window, seconds: 900 } });
    expect(s.recent).toEqual({
      seconds: 300,
      count: 60_000,
      block: 12,
      blockedAmount: 9_000_00,
      flaggedRate: 52 / 60_000,
    });
    expect(s.sinceStart?.seconds).toBe(900);
  });

  it('reads flat and nested decision payloads and rejects junk', () => {
    const flat = toLiveRow(
      {
        txId: 't1',
        eventTime: 1,
        type: 'TRANSFER',
        amount: 100,
        currency: 'XOF',
        originAccount: 'A',
        destAccount: 'B',
        score: 0.9,
        decision: 'BLOCK',
        modelVersion: 'm',
        reasons: [{ feature: 'amount', value: 100, contribution: 1.5 }],
        rulesFired: ['blockList'],
      },
      7,
    );
    expect(flat).toMatchObject({
      txId: 't1',
      decision: 'BLOCK',
      origin: 'A',
      reasons: 'amount=100 (+1.50) [blockList]',
      receivedAt: 7,
    });
    expect(toLiveRow({ transaction: { txId: 't2', type: 'PAYMENT' }, decision: 'APPROVE', score: 0.1 })?.txId).toBe(
      't2',
    );
    expect(toLiveRow({ txId: 't3', decision: 'MAYBE' })).toBeNull();
  });

  it('caps the table, newest first, whatever arrives', () => {
    expect(pushCapped([3, 2, 1], [4, 5], 4)).toEqual([5, 4, 3, 2]);
    expect(
      pushCapped(
        [1],
        Array.from({ length: 10 }, (_, i) => i + 2),
        3,
      ),
    ).toEqual([11, 10, 9]);
    expect(scoreHistogram([0, 0.049, 0.05, 1], 20)).toEqual([2, 1, ...new Array(17).fill(0), 1]);
  });
});
