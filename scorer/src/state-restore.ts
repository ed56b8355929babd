import { readToEnd, type Kafka } from '@fraud/kafka';
import type { Logger } from '@fraud/common';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import type { FeatureModule, SpecStates } from './ports.ts';
import type { RecentIds } from './recent-ids.ts';

export interface RestoreOptions {
  kafka: Kafka;
  scoredTopic: string;
  partition: number;
  /** A fresh throwaway group name; offsets are never committed under it. */
  groupId: string;
  decode: (buf: Buffer) => Promise<ScoredTransaction>;
  /** The specs whose states are rebuilt (every payment goes through each). */
  specs: readonly FeatureModule[];
  /** Filled with the txIds of the restored records (the newest `capacity` of them stay). */
  recent?: RecentIds;
  logger: Logger;
  timeoutMs: number;
  /** Awaited after each fetch of scored[p] is applied (instrumentation; tests throttle with it). */
  onFetch?: (partition: number, records: number) => Promise<void>;
  /**
   * Continue a snapshot (state-snapshot.ts): its states (one per spec of `specs`), read from
   * scored[p]'s offset `scoredFrom`, replaying only decisions whose input offset is `next` or later.
   */
  from?: {
    state: SpecStates;
    scoredFrom: bigint;
    next: bigint;
    /** txIds the states already hold beyond `next` (synchronous decisions): not replayed again. */
    ahead?: ReadonlySet<string>;
  };
}

/**
 * Rebuilds the per-account feature state of one input partition from `scored`, for each spec.
 *
 * Invariant that makes this exact: the scorer writes the decisions for input partition p to
 * partition p of `scored`, in input-offset order, in the same Kafka transaction that commits the
 * input offsets. So the committed (read_committed) content of scored[p] is exactly the sequence of
 * chunks whose offsets are committed: replaying it through the same feature code gives the
 * state an uninterrupted run would have, no payment missed (it is committed) or counted twice
 * (aborted attempts are invisible). The caller must have fenced the previous owner of p first
 * (InitProducerId on p's transactional id), so no Kafka transaction on scored[p] is still open.
 */
export async function restorePartitionState(
  opts: RestoreOptions,
): Promise<{ state: SpecStates; records: number; aheadSeen: Set<string> }> {
  const state: SpecStates = opts.from?.state ?? new Map(opts.specs.map((f) => [f.hash, f.createState(opts.partition)]));
  let records = 0;
  let lastOffset = opts.from === undefined ? -1 : Number(opts.from.next) - 1;
  const ahead = opts.from?.ahead;
  const aheadSeen = new Set<string>();
  await readToEnd({
    kafka: opts.kafka,
    topic: opts.scoredTopic,
    groupId: opts.groupId,
    partitions: [opts.partition],
    logger: opts.logger,
    timeoutMs: opts.timeoutMs,
    ...(opts.from !== undefined && { from: { offsets: new Map([[opts.partition, opts.from.scoredFrom]]) } }),
    onMessages: async (messages) => {
      // Decode the whole fetch before touching the state: a failure leaves it unchanged and
      // kafkajs re-delivers the same fetch.
      const decoded = await Promise.all(messages.map((m) => (m.value ? opts.decode(m.value) : Promise.resolve(null))));
      const payments: Transaction[] = [];
      for (const d of decoded) {
        if (!d || d.source?.partition !== opts.partition) continue;
        // Guard against a re-delivered fetch: input offsets only grow within a partition.
        if (d.source.offset <= lastOffset) continue;
        lastOffset = d.source.offset;
        opts.recent?.add(d.transaction.txId);
        if (ahead?.has(d.transaction.txId) === true) {
          aheadSeen.add(d.transaction.txId);
          continue;
        }
        payments.push(d.transaction);
      }
      if (payments.length) for (const f of opts.specs) f.compute(payments, state.get(f.hash));
      records += payments.length;
      await opts.onFetch?.(opts.partition, payments.length);
    },
  });
  return { state, records, aheadSeen };
}
