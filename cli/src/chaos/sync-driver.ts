import { createOwnerRouter } from '@fraud/api';
import { createLogger } from '@fraud/common';
import { readOwners, type Admin, type Kafka } from '@fraud/kafka';
import type { Transaction } from '@fraud/schemas';

export interface SyncDriverOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Requests started per second. */
  ratePerS: number;
  /** How long one payment is retried (same txId) before it counts as given up. */
  deadlineMs: number;
  rand: () => number;
}

export interface SyncDriverResult {
  requests: number;
  /** txId -> the decision answered (200 from an owner). */
  answered: Map<string, string>;
  /** Payments never answered within the deadline (every try refused or cut off). */
  gaveUp: number;
  /** Tries after the first (wrong owner, not ready, connection cut, owner killed). */
  retries: number;
  /** Answers that said the txId had been decided before (a retry after a lost answer). */
  replayed: number;
  latenciesMs: number[];
}

export interface SyncDriver {
  /** Stops starting requests, waits for those in flight, and returns what happened. */
  stop(): Promise<SyncDriverResult>;
}

/**
 * Synchronous decisions while the chaos run kills scorers: payments of accounts of their own sent
 * to the decide endpoint of their partition's owner through the decision API's owner router, each
 * retried with the same txId until an owner answers or its deadline passes. What was answered is
 * checked against `scored` afterwards: there once, with the same decision.
 */
export function startSyncDriver(opts: SyncDriverOptions): SyncDriver {
  const result: SyncDriverResult = {
    requests: 0,
    answered: new Map(),
    gaveUp: 0,
    retries: 0,
    replayed: 0,
    latenciesMs: [],
  };
  const admin: Admin = opts.kafka.admin();
  const connected = admin.connect();
  // The decision API's own router: owner map from the group, one refresh-and-retry per route.
  const router = createOwnerRouter({
    readOwners: async () => {
      await connected;
      return readOwners(admin, opts.groupId, opts.topic);
    },
    refreshMs: 300,
    logger: createLogger('chaos-sync', 'warn'),
  });
  const decideOne = async (tx: Transaction): Promise<void> => {
    const t0 = Date.now();
    for (let attempt = 0; Date.now() - t0 < opts.deadlineMs; attempt++) {
      if (attempt > 0) {
        result.retries++;
        await new Promise((r) => setTimeout(r, 100));
      }
      const { result: r } = await router.route(tx, 2_000);
      if (r.kind !== 'decided') continue;
      result.answered.set(tx.txId, r.scored.decision);
      if (r.replayed) result.replayed++;
      result.latenciesMs.push(Date.now() - t0);
      return;
    }
    result.gaveUp++;
  };
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const tx = syncPayment(result.requests++, opts.rand);
    const p = decideOne(tx).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / opts.ratePerS);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      router.stop();
      await connected.then(() => admin.disconnect()).catch(() => undefined);
      return result;
    },
  };
}

/** A payment of the driver's own accounts (S0..S499), valid for the scorer, at the wall clock. */
function syncPayment(i: number, rand: () => number): Transaction {
  const balance = Math.floor(rand() * 100_000);
  return {
    txId: `chaos-sync-${i}`,
    eventTime: Date.now(),
    type: 'PAYMENT',
    amount: Math.floor(rand() * 5_000) + 1,
    currency: 'USD',
    originAccount: `S${i % 500}`,
    originBalanceBefore: balance,
    destAccount: `M${Math.floor(rand() * 50)}`,
    destBalanceBefore: 0,
    channel: null,
    attributes: {},
  };
}
