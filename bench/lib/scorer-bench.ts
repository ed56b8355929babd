/** What the scorer benchmarks (pipeline, saturation) share: scorer settings and the synthetic load. */
import type { Transaction } from '@fraud/schemas';
import { seededRandom } from '@fraud/common/testing';

/** Scorer settings of the benchmark runs; each can be overridden from the environment. */
export const SCORER_ENV: Record<string, string> = {
  SCORER_MAX_BATCH: process.env.SCORER_MAX_BATCH ?? '5000',
  SCORER_PARTITIONS_CONCURRENTLY: process.env.SCORER_PARTITIONS_CONCURRENTLY ?? '6',
  SCORER_FETCH_MAX_WAIT_MS: process.env.SCORER_FETCH_MAX_WAIT_MS ?? '5',
  SCORER_MAX_BYTES_PER_PARTITION: process.env.SCORER_MAX_BYTES_PER_PARTITION ?? String(1024 * 1024),
};

const TYPES = ['CASH_IN', 'CASH_OUT', 'DEBIT', 'PAYMENT', 'TRANSFER'] as const;

/** A generator of plausible transactions (about 1% "fraud": a TRANSFER emptying the account). */
export function txSource(seed: number, runId: string): (eventTime: number) => Transaction {
  const r = seededRandom(seed);
  let i = 0;
  return (eventTime) => {
    const fraud = r() < 0.01;
    const balance = Math.floor(r() * 2_000_000);
    const type = fraud ? 'TRANSFER' : TYPES[Math.floor(r() * TYPES.length)]!;
    return {
      txId: `${runId}-${i++}`,
      eventTime,
      type,
      amount: fraud ? balance : Math.floor(r() * 80_000),
      currency: 'USD',
      originAccount: `C${Math.floor(r() * 50_000)}`,
      originBalanceBefore: balance,
      destAccount: type === 'PAYMENT' ? `M${Math.floor(r() * 2_000)}` : `C${Math.floor(r() * 50_000)}`,
      destBalanceBefore: Math.floor(r() * 500_000),
      channel: null,
      attributes: {},
    };
  };
}

/** `n` transactions of `txSource`, 10 ms of event time apart from `start`. */
export function transactions(n: number, seed: number, runId: string, start: number): Transaction[] {
  const next = txSource(seed, runId);
  return Array.from({ length: n }, (_, i) => next(start + i * 10));
}
