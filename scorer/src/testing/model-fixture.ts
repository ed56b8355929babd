import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArtifact, trainDirectArtifact, trainParams } from '@fraud/model';
import type { ModelUpdate, Transaction } from '@fraud/schemas';
import { artifactToUpdate } from '../bootstrap.ts';
import { seededRandom } from '@fraud/common/testing';

const TYPES = ['CASH_IN', 'CASH_OUT', 'DEBIT', 'PAYMENT', 'TRANSFER'] as const;

/**
 * Plausible transactions in event-time order over `accounts` origin accounts. About 3% are
 * "fraud": a TRANSFER emptying the account. `runId` makes txIds unique per test run.
 */
export function makeTransactions(
  n: number,
  opts: { seed?: number; accounts?: number; start?: number; runId?: string } = {},
): Transaction[] {
  const r = seededRandom(opts.seed ?? 1);
  const accounts = opts.accounts ?? 200;
  const start = opts.start ?? Date.now() - 2 * 3_600_000;
  const out: Transaction[] = [];
  for (let i = 0; i < n; i++) {
    const fraud = r() < 0.03;
    const balance = Math.floor(r() * 1_000_000);
    const type = fraud ? 'TRANSFER' : TYPES[Math.floor(r() * TYPES.length)]!;
    out.push({
      txId: `${opts.runId ?? 'tx'}-${i}`,
      eventTime: start + i * 50,
      type,
      amount: fraud ? balance : Math.floor(r() * 50_000),
      currency: 'USD',
      originAccount: `C${Math.floor(r() * accounts)}`,
      originBalanceBefore: balance,
      destAccount: type === 'PAYMENT' ? `M${Math.floor(r() * 50)}` : `C${Math.floor(r() * accounts) + 10_000}`,
      destBalanceBefore: Math.floor(r() * 100_000),
      channel: null,
      attributes: {},
    });
  }
  return out;
}

export interface TinyModel {
  dir: string;
  update: ModelUpdate;
}

/** A real XGBoost model (a few trees) on the fixture's transactions, converted to ONNX, written as an artifact. */
export async function trainTinyModel(
  version: string,
  seed = 7,
  thresholds = { review: 0.3, block: 0.8 },
): Promise<TinyModel> {
  return trainTinyModelOn(version, makeTransactions(3_000, { seed, accounts: 300 }), { seed, thresholds });
}

/**
 * The same tiny model trained on the caller's transactions (labelled fraud: a TRANSFER emptying the
 * origin account), for tests that generate their own traffic.
 */
export async function trainTinyModelOn(
  version: string,
  txs: readonly Transaction[],
  opts: { seed?: number; thresholds?: { review: number; block: number } } = {},
): Promise<TinyModel> {
  const dir = join(await mkdtemp(join(tmpdir(), 'scorer-model-')), version);
  await trainDirectArtifact(dir, {
    txs,
    labels: new Float32Array(txs.map((t) => (t.type === 'TRANSFER' && t.amount === t.originBalanceBefore ? 1 : 0))),
    params: trainParams({ rounds: 8, maxDepth: 3, eta: 0.5, seed: opts.seed ?? 7 }),
    version,
    thresholds: opts.thresholds ?? { review: 0.3, block: 0.8 },
  });
  return { dir, update: artifactToUpdate(await readArtifact(dir), dir) };
}
