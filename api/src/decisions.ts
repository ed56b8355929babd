import type { ScoredTransaction } from '@fraud/schemas';

/**
 * Request-reply over Kafka: requests wait here for the scored record with their txId, which
 * the `scored` consumer delivers. Bounded: a recent-decisions cache (for idempotent replies and
 * GET /v1/decisions) and a set of in-flight txIds, both capped and evicted oldest first.
 */
export interface DecisionWaiter {
  /** Resolves with the decision, or undefined once `timeoutMs` passes. */
  wait(txId: string, timeoutMs: number): Promise<ScoredTransaction | undefined>;
  deliver(scored: ScoredTransaction): void;
  get(txId: string): ScoredTransaction | undefined;
  /** Marks a txId as published; false when it already was (a duplicate: do not publish again). */
  markSubmitted(txId: string): boolean;
  isSubmitted(txId: string): boolean;
  forgetSubmitted(txId: string): void;
  stats(): { cached: number; waiting: number; inFlight: number };
}

function capSet<K, V>(map: Map<K, V>, key: K, value: V, cap: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > cap) map.delete(map.keys().next().value as K);
}

export function createDecisionWaiter(capacity: number): DecisionWaiter {
  const cache = new Map<string, ScoredTransaction>();
  const waiting = new Map<string, Set<(s: ScoredTransaction) => void>>();
  const submitted = new Map<string, number>();
  return {
    wait(txId, timeoutMs) {
      const hit = cache.get(txId);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => {
        let set = waiting.get(txId);
        if (!set) waiting.set(txId, (set = new Set()));
        const onDecision = (s: ScoredTransaction) => {
          clearTimeout(timer);
          resolve(s);
        };
        const timer = setTimeout(() => {
          set.delete(onDecision);
          if (set.size === 0) waiting.delete(txId);
          resolve(undefined);
        }, timeoutMs);
        set.add(onDecision);
      });
    },
    deliver(scored) {
      const txId = scored.transaction.txId;
      capSet(cache, txId, scored, capacity);
      submitted.delete(txId);
      const set = waiting.get(txId);
      if (!set) return;
      waiting.delete(txId);
      for (const fn of set) fn(scored);
    },
    get: (txId) => cache.get(txId),
    markSubmitted(txId) {
      if (submitted.has(txId) || cache.has(txId)) return false;
      capSet(submitted, txId, Date.now(), capacity);
      return true;
    },
    isSubmitted: (txId) => submitted.has(txId),
    forgetSubmitted: (txId) => void submitted.delete(txId),
    stats: () => ({ cached: cache.size, waiting: waiting.size, inFlight: submitted.size }),
  };
}
