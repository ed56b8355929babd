import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetricsRegistry } from '@fraud/common';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import { createApp, type ApiDeps } from './app.ts';
import { createDecisionWaiter } from './decisions.ts';
import { createKeyStore, readKeyFile } from './keys.ts';
import { createRateLimiter } from './rate-limit.ts';

export interface TestApi {
  /** http://127.0.0.1:PORT */
  base: string;
  close(): Promise<void>;
}

/**
 * The HTTP app alone (no Kafka) on 127.0.0.1, a free port, for tests: the keys of `keyFile`, a
 * generous rate limit, a silent logger and its own metrics registry named `name`; publishing and
 * lookups do nothing unless `deps` says otherwise.
 */
export async function startTestApi(
  name: string,
  keyFile: string,
  deps: Partial<ApiDeps> & Pick<ApiDeps, 'config'>,
): Promise<TestApi> {
  const server: Server = createApp({
    publishTransaction: async () => undefined,
    publishLabel: async () => undefined,
    lookupDecision: async () => undefined,
    ready: async () => ({ ok: true, checks: {} }),
    waiter: createDecisionWaiter(100),
    keys: createKeyStore(readKeyFile(keyFile)),
    limiter: createRateLimiter(1000, 1000),
    registry: createMetricsRegistry(name),
    logger: createLogger(name, 'silent'),
    ...deps,
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A scorer's decision on `tx` for tests: BLOCK above 1M, APPROVE otherwise, one reason. */
export function scoredFor(tx: Transaction, modelVersion = 'm-test'): ScoredTransaction {
  return {
    transaction: tx,
    featureSet: 'fs-test',
    features: [1],
    score: tx.amount > 1_000_000 ? 0.97 : 0.01,
    decision: tx.amount > 1_000_000 ? 'BLOCK' : 'APPROVE',
    reviewThreshold: 0.5,
    blockThreshold: 0.9,
    modelVersion,
    reasons: [{ feature: 'amount', value: tx.amount, contribution: 2 }],
    rulesFired: [],
    shadow: null,
    scoredAt: Date.now(),
    source: null,
  };
}

/**
 * A valid payment body for tests (no card fields, balances known), a new txId on every call;
 * `over` sets any field.
 */
export function testPayment(over: Partial<Transaction> = {}): Transaction {
  return {
    txId: `t-${Math.random().toString(36).slice(2)}`,
    eventTime: Date.now(),
    type: 'TRANSFER',
    amount: 12_345,
    currency: 'USD',
    originAccount: 'C1',
    originBalanceBefore: 100_000,
    destAccount: 'C2',
    destBalanceBefore: 0,
    channel: null,
    attributes: {},
    ...over,
  };
}
