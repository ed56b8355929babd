import { createRequire } from 'node:module';

/**
 * Coordinator lookups remembered, as the Java client does. kafkajs 2.2.4 sends a FindCoordinator
 * request before each AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn: four more
 * round trips, in sequence, on every exactly-once chunk's commit path, and a third of all the
 * requests the scorer writes at 2k tx/s (bench: ~300 FindCoordinator a second). Here a cluster
 * remembers each (coordinator type, group or transactional id) -> broker answer, and asks again
 * when:
 * - the broker it answered is no longer connected (a restart, a moved listener);
 * - a request that only a coordinator serves failed, on any broker, saying the coordinator
 *   moved or is away (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE), or with no answer (connection
 *   lost, timed out): the Java client's rule, applied to every remembered answer at once because
 *   such failures are rare and another lookup is cheap. Other errors (CONCURRENT_TRANSACTIONS
 *   right after a commit, a rebalance) are the same coordinator's answers;
 * - the answer is older than REMEMBER_MS (a safety net).
 * kafkajs's own retries then find the new coordinator, as they did before.
 */
export const REMEMBER_MS = 10_000;

/** Broker requests only a group or transaction coordinator serves. */
const COORDINATOR_REQUESTS = [
  'heartbeat',
  'joinGroup',
  'leaveGroup',
  'syncGroup',
  'offsetCommit',
  'offsetFetch',
  'initProducerId',
  'addPartitionsToTxn',
  'addOffsetsToTxn',
  'txnOffsetCommit',
  'endTxn',
] as const;

/** kafkajs's names for NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE (codes 16 and 15). */
const MOVED = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);
const NO_ANSWER = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError']);

/** Whether a coordinator request's failure means the coordinator must be looked up again. */
export function coordinatorGone(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { type, name } = err as { type?: unknown; name?: unknown };
  return (typeof type === 'string' && MOVED.has(type)) || (typeof name === 'string' && NO_ANSWER.has(name));
}

interface BrokerLike {
  isConnected(): boolean;
}
type Lookup = (this: object, args: { groupId: string; coordinatorType?: number }) => Promise<BrokerLike>;
interface Remembered {
  broker: BrokerLike;
  at: number;
  epoch: number;
}

const state = { epoch: 0, installed: false, lookups: 0, hits: 0 };
const byCluster = new WeakMap<object, Map<string, Remembered>>();

/** Forget every remembered coordinator (called on a coordinator request's failure). */
export function forgetCoordinators(): void {
  state.epoch++;
}

/** Lookups that reached a broker and answers served from memory, since the process started. */
export function coordinatorLookups(): { sent: number; remembered: number } {
  return { sent: state.lookups, remembered: state.hits };
}

/**
 * Installs the memory on kafkajs's Cluster and Broker prototypes (once per process). Throws if
 * kafkajs no longer has the methods it wraps, so an upgrade fails loudly at start-up and in tests.
 */
export function rememberCoordinators(now: () => number = () => Date.now()): void {
  if (state.installed) return;
  const require = createRequire(import.meta.url);
  const Cluster = require('kafkajs/src/cluster/index.js') as { prototype: Record<string, unknown> };
  const Broker = require('kafkajs/src/broker/index.js') as { prototype: Record<string, unknown> };
  const find = Cluster.prototype.findGroupCoordinator;
  const missing = [
    ...(typeof find === 'function' ? [] : ['Cluster.findGroupCoordinator']),
    ...COORDINATOR_REQUESTS.filter((m) => typeof Broker.prototype[m] !== 'function').map((m) => `Broker.${m}`),
  ];
  if (missing.length > 0) {
    throw new Error(
      `kafkajs changed: ${missing.join(', ')} missing; kafka/src/coordinators.ts needs updating for this version`,
    );
  }
  const lookup = find as Lookup;
  Cluster.prototype.findGroupCoordinator = async function (
    this: object,
    args: { groupId: string; coordinatorType?: number },
  ): Promise<BrokerLike> {
    let known = byCluster.get(this);
    if (known === undefined) byCluster.set(this, (known = new Map()));
    const key = `${args.coordinatorType ?? 0}:${args.groupId}`;
    const hit = known.get(key);
    if (hit && hit.epoch === state.epoch && now() - hit.at < REMEMBER_MS && hit.broker.isConnected()) {
      state.hits++;
      return hit.broker;
    }
    state.lookups++;
    const epoch = state.epoch;
    const broker = await lookup.call(this, args);
    known.set(key, { broker, at: now(), epoch });
    return broker;
  };
  for (const name of COORDINATOR_REQUESTS) {
    const request = Broker.prototype[name] as (this: unknown, ...a: unknown[]) => Promise<unknown>;
    Broker.prototype[name] = async function (this: unknown, ...a: unknown[]): Promise<unknown> {
      try {
        return await request.apply(this, a);
      } catch (err) {
        if (coordinatorGone(err)) forgetCoordinators();
        throw err;
      }
    };
  }
  state.installed = true;
}
