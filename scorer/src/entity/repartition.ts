import { errorMessage, type Logger } from '@fraud/common';
import { consumerConfig, watchConsumerDeath, type Consumer, type EachBatchPayload, type Kafka } from '@fraud/kafka';
import type { Transaction } from '@fraud/schemas';
import { decodeOrSkip } from '../decode-chunk.ts';
import type { ScorerMetrics } from '../metrics.ts';
import type { TransactionValidator } from '../ports.ts';
import { markerOf, type EntityCopyOut, type EntityWriter } from './writer.ts';
import type { EntityOwners } from './owner.ts';
import type { LocalCopy } from './part.ts';

export interface RepartitionDeps {
  kafka: Kafka;
  /** `transactions`. */
  topic: string;
  /** The repartition stage's own consumer group (all scorer instances share it). */
  groupId: string;
  writer: EntityWriter;
  decode(b: Buffer): Promise<Transaction>;
  validate: TransactionValidator;
  /** The entity fields of the specs in force now, and the copies of a valid payment their owners need. */
  copyPlan(): CopyPlan;
  metrics: ScorerMetrics;
  logger: Logger;
  now: () => number;
  maxWaitTimeInMs?: number;
  sessionTimeoutMs?: number;
  /** This instance's entity owners: a batch's copies and marker reach them in process first. */
  local?: Pick<EntityOwners, 'deliverLocal'>;
}

export interface CopyPlan {
  fields: readonly string[];
  copiesOf(tx: Transaction): ReadonlyArray<{ field: string; key: string }>;
}

export interface Repartition {
  consumer: Consumer;
  healthy(): boolean;
  stop(): Promise<void>;
}

/**
 * The repartition stage (docs/scorer.md, "Entity state partitioned by Kafka"): a consumer group of
 * its own over `transactions` (read_committed) that copies every valid payment, once per entity
 * field the specs read, to `entity-events` keyed by the entity, followed by a progress marker per
 * entity partition, then commits its offsets. It waits on nothing: the scoring chunks' lookups
 * wait on it, never the other way round, and its fetches are not held up by a chunk that waits
 * (which a copy written from the scoring loop itself would be: kafkajs fetches a broker's next
 * response only after the last one's batches are done). At-least-once: after a crash a batch is
 * copied again, and the owners' views keep one event per (eventTime, txId).
 */
export async function startRepartition(deps: RepartitionDeps): Promise<Repartition> {
  const consumer = deps.kafka.consumer(
    consumerConfig('latency', {
      groupId: deps.groupId,
      maxWaitTimeInMs: deps.maxWaitTimeInMs ?? 5,
      ...(deps.sessionTimeoutMs !== undefined && { sessionTimeout: deps.sessionTimeoutMs }),
    }),
  );
  consumer.on(consumer.events.CRASH, (e) => {
    deps.logger.error(
      { err: errorMessage(e.payload.error), restart: e.payload.restart },
      'repartition consumer crashed',
    );
  });
  const dead = watchConsumerDeath(consumer);
  // Offsets are committed once a second, not per batch (a round trip less on the copies' path): a
  // restart copies again at most a second of batches, which the owners' views ignore.
  const done = new Map<number, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topic: deps.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 6,
    eachBatch: (payload) => copyBatch(payload, { ...deps, commit: (p, next) => void done.set(p, next) }),
  });
  const commit = async (): Promise<void> => {
    if (done.size === 0) return;
    const offsets = [...done].map(([partition, next]) => ({ topic: deps.topic, partition, offset: next.toString() }));
    done.clear();
    await consumer.commitOffsets(offsets).catch((err: unknown) => {
      // A rebalance under way: the new owner of those partitions copies them again.
      deps.logger.warn({ err: errorMessage(err) }, 'repartition: committing offsets failed');
    });
  };
  const timer = setInterval(() => void commit(), COMMIT_EVERY_MS);
  return {
    consumer,
    healthy: () => !dead(),
    async stop() {
      clearInterval(timer);
      await commit();
      await consumer.disconnect();
    },
  };
}

const COMMIT_EVERY_MS = 1_000;

type Commit = (partition: number, next: bigint) => void;

async function copyBatch(payload: EachBatchPayload, deps: RepartitionDeps & { commit: Commit }): Promise<void> {
  const { batch } = payload;
  const t0 = performance.now();
  // Bad bytes are skipped (the scoring loop dead-letters them); an outage throws and the batch is fetched again.
  const decoded = await Promise.all(batch.messages.map((m) => decodeOrSkip(deps.decode, m.value)));
  deps.metrics.recordsDecoded.inc({ source: 'repartition' }, batch.messages.length);
  const now = deps.now();
  const plan = deps.copyPlan();
  const copies: EntityCopyOut[] = [];
  const local: LocalCopy[] = [];
  let newest = -Infinity;
  let appendedBy = -Infinity;
  batch.messages.forEach((m, i) => {
    appendedBy = Math.max(appendedBy, Number(m.timestamp));
    const tx = decoded[i];
    if (!tx || deps.validate(tx, now) !== null) return;
    newest = Math.max(newest, tx.eventTime);
    for (const c of plan.copiesOf(tx)) {
      copies.push({ field: c.field, key: c.key, value: m.value! });
      local.push({ field: c.field, key: c.key, tx });
    }
  });
  // lastOffset() counts the transaction markers at the end of a batch: an idle partition's
  // progress then reaches its end offset.
  const next = BigInt(batch.lastOffset()) + 1n;
  const from = batch.messages.length > 0 ? BigInt(batch.messages[0]!.offset) : next;
  // The owners in this process first (the copies are facts of committed input whether or not this
  // write succeeds: a retried batch copies them again, held once).
  const progress = { partition: batch.partition, from, next, fields: plan.fields, newest, appendedBy };
  deps.local?.deliverLocal([markerOf(progress)], local);
  await deps.writer.write({ ...progress, copies });
  deps.commit(batch.partition, next);
  payload.resolveOffset(batch.lastOffset());
  await payload.heartbeat();
  deps.metrics.entity.copiesWritten.inc(copies.length);
  deps.metrics.entity.writeSeconds.observe((performance.now() - t0) / 1000);
}
