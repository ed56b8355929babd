import { createLogger } from '@fraud/common';
import { uniqueName, seededRandom } from '@fraud/common/testing';
import type { ModelUpdate, Transaction } from '@fraud/schemas';
import { parseScorerEnv, runScorer, type ScorerService } from '@fraud/scorer';
import { trainTinyModelOn } from '@fraud/scorer/testing';

/**
 * The real scorer for the browser tests: a tiny real XGBoost model (ONNX) trained here, and a
 * scorer instance on the test's topics. Transactions: a TRANSFER emptying the origin account
 * is the "fraud" pattern the model learns.
 */
const rng = seededRandom;

export function transaction(txId: string, fraud: boolean, r: () => number, eventTime = Date.now()): Transaction {
  const balance = 100_000 + Math.floor(r() * 900_000);
  const type = fraud ? 'TRANSFER' : (['CASH_IN', 'PAYMENT', 'DEBIT'] as const)[Math.floor(r() * 3)]!;
  return {
    txId,
    eventTime,
    type,
    amount: fraud ? balance : Math.floor(r() * 20_000),
    currency: 'USD',
    originAccount: `C${Math.floor(r() * 300)}`,
    originBalanceBefore: balance,
    destAccount: type === 'PAYMENT' ? `M${Math.floor(r() * 50)}` : `C${10_000 + Math.floor(r() * 300)}`,
    destBalanceBefore: Math.floor(r() * 100_000),
    channel: null,
    attributes: {},
  };
}

/** The scorer's tiny model fixture trained on this file's traffic (3,000 transactions, 5% fraud). */
export async function trainTinyModel(version: string): Promise<ModelUpdate> {
  const r = rng(7);
  const start = Date.now() - 2 * 3_600_000;
  const txs = Array.from({ length: 3_000 }, (_, i) => transaction(`train-${i}`, r() < 0.05, r, start + i * 50));
  return (await trainTinyModelOn(version, txs, { seed: 7 })).update;
}

export async function startScorer(prefix: string): Promise<ScorerService> {
  const env = parseScorerEnv({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
    TOPIC_PREFIX: prefix,
    SCORER_GROUP_ID: `${prefix}${uniqueName('scorer')}`,
    SCORER_METRICS_PORT: '0',
    SCORER_METRICS_HOST: '127.0.0.1',
    SCORER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  });
  return runScorer(env, createLogger('web-test-scorer', 'warn'));
}

export { rng };
