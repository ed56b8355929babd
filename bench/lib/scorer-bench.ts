/** What the scorer benchmarks (pipeline, saturation) share: scorer settings and the synthetic load. */
import type { Transaction } from '@fraud/schemas';
import type { BenchEnv } from '@fraud/cli/bench-env';
import { seededRandom } from '@fraud/common/testing';

/** Scorer settings of the benchmark runs (the bench environment's SCORER_* knobs), for the scorer's environment. */
export function scorerSettings(bench: BenchEnv): Record<string, string> {
  return {
    SCORER_MAX_BATCH: String(bench.SCORER_MAX_BATCH),
    SCORER_PARTITIONS_CONCURRENTLY: String(bench.SCORER_PARTITIONS_CONCURRENTLY),
    SCORER_FETCH_MAX_WAIT_MS: String(bench.SCORER_FETCH_MAX_WAIT_MS),
    SCORER_MAX_BYTES_PER_PARTITION: String(bench.SCORER_MAX_BYTES_PER_PARTITION),
  };
}

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
