import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { errorMessage, type Logger } from '@fraud/common';
import { withAdminRetry } from './client.ts';
import { withDeadline } from './deadline.ts';
import { watchConsumerDeath } from './consumer-death.ts';
import { consumerConfig } from './presets.ts';

export interface FollowTopicOptions {
  kafka: Kafka;
  topic: string;
  /** A group of its own: offsets are never committed, so every follower sees the whole topic. */
  groupId: string;
  logger: Logger;
  /** Only these partitions (the others are paused); all when omitted. */
  partitions?: readonly number[];
  /**
   * Where to start: the beginning (default), the first record at or after a Kafka timestamp (ms),
   * or given offsets per partition (clamped to the log start; absent partitions from the beginning).
   */
  from?: 'beginning' | { timestamp: number } | { offsets: ReadonlyMap<number, bigint> };
  /**
   * Called in offset order per partition, each record once, awaited before the next fetch of that
   * partition. A throw makes kafkajs fetch the same records again (nothing is skipped); long
   * handlers call ctx.heartbeat() so the group does not evict the follower.
   */
  onMessages(messages: KafkaMessage[], partition: number, ctx: { heartbeat(): Promise<void> }): Promise<void>;
  /** Called after every fetch of a partition (also one holding only transaction markers). */
  onProgress?(partition: number, nextOffset: bigint): void;
  maxBytesPerPartition?: number;
  maxWaitTimeInMs?: number;
  /** Delete the private group after stop (groups of long-lived processes otherwise pile up in listings). */
  deleteGroupOnStop?: boolean;
  /**
   * Called once when kafkajs gives up on the consumer (a crash it does not restart from): a
   * long-lived process exits so its supervisor restarts it, instead of running on without reading.
   */
  onDeath?(error: unknown): void;
}

export interface TopicFollower {
  /** Resolves once every partition has been read up to its end offset as of the start. */
  caughtUp: Promise<void>;
  /** False once the consumer crashed for good (kafkajs gave up restarting it). */
  healthy(): boolean;
  stop(): Promise<void>;
}

interface StartPositions {
  /** First offset to hand to onMessages, per followed partition. */
  start: Map<number, bigint>;
  /** Partitions not yet read up to their end offset as of the start, with that end. */
  pending: Map<number, bigint>;
}

/** Snapshots where each followed partition starts and ends (admin calls retried while a broker restarts). */
async function startPositions(opts: FollowTopicOptions): Promise<StartPositions> {
  const admin: Admin = opts.kafka.admin();
  await admin.connect();
  try {
    const onRetry = (err: unknown, attempt: number): void =>
      opts.logger.warn({ err: errorMessage(err), attempt, topic: opts.topic }, 'reading offsets failed; retrying');
    const from = opts.from ?? 'beginning';
    const [offsets, byTime] = await withAdminRetry(
      () =>
        Promise.all([
          admin.fetchTopicOffsets(opts.topic),
          from === 'beginning' || !('timestamp' in from)
            ? Promise.resolve([])
            : admin.fetchTopicOffsetsByTimestamp(opts.topic, from.timestamp),
        ]),
      onRetry,
    );
    const atTime = new Map(byTime.map((o) => [o.partition, BigInt(o.offset)]));
    const start = new Map<number, bigint>();
    const pending = new Map<number, bigint>();
    for (const o of offsets) {
      if (opts.partitions && !opts.partitions.includes(o.partition)) continue;
      const low = BigInt(o.low);
      const high = BigInt(o.high);
      // No record at or after the timestamp: kafkajs answers -1 or the end; both mean "start at the end".
      const given = from !== 'beginning' && 'offsets' in from ? from.offsets.get(o.partition) : undefined;
      const t = given ?? atTime.get(o.partition);
      const first = t === undefined ? low : t < 0n || t > high ? high : t > low ? t : low;
      start.set(o.partition, first);
      if (high > first) pending.set(o.partition, high);
    }
    return { start, pending };
  } finally {
    await admin.disconnect();
  }
}

/**
 * "Read to the end, then follow": reads a topic (read_committed) from the beginning or from a
 * timestamp, tells when it has reached the end offsets it saw at start, and keeps following.
 * The end is detected through kafkajs's END_BATCH_PROCESS event, which also fires for fetches
 * holding only transaction markers: the last record of a transactional partition is always a
 * marker, never handed to eachBatch, so counting delivered records would never reach the end.
 */
export async function followTopic(opts: FollowTopicOptions): Promise<TopicFollower> {
  const { topic, logger } = opts;
  const { start, pending } = await startPositions(opts);
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  if (pending.size === 0) resolveCaughtUp();

  const consumer: Consumer = opts.kafka.consumer(
    consumerConfig('tail', {
      groupId: opts.groupId,
      ...(opts.maxBytesPerPartition !== undefined && { maxBytesPerPartition: opts.maxBytesPerPartition }),
      ...(opts.maxWaitTimeInMs !== undefined && { maxWaitTimeInMs: opts.maxWaitTimeInMs }),
    }),
  );
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const { partition, lastOffset } = e.payload;
    if (!start.has(partition)) return;
    const next = BigInt(lastOffset) + 1n;
    const end = pending.get(partition);
    if (end !== undefined && next >= end) {
      pending.delete(partition);
      if (pending.size === 0) resolveCaughtUp();
    }
    opts.onProgress?.(partition, next);
  });
  consumer.on(consumer.events.CRASH, (e) => {
    logger.error({ err: errorMessage(e.payload.error), restart: e.payload.restart, topic }, 'topic follower crashed');
  });
  const dead = watchConsumerDeath(consumer, opts.onDeath);
  if (opts.partitions) pauseOthers(consumer, topic, new Set(opts.partitions));

  /** Last offset handed to onMessages per partition: a rejoin rewinds the private group, never repeats a record. */
  const delivered = new Map<number, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      const first = start.get(batch.partition);
      if (first === undefined) return;
      const done = delivered.get(batch.partition) ?? first - 1n;
      const fresh = batch.messages.filter((m) => BigInt(m.offset) > done);
      if (fresh.length === 0) return;
      await opts.onMessages(fresh, batch.partition, { heartbeat });
      delivered.set(batch.partition, BigInt(fresh[fresh.length - 1]!.offset));
      await heartbeat();
    },
  });
  // Skip what precedes a timestamp or offset start (the filter above ignores it anyway; this saves the fetches).
  if (opts.from !== undefined && opts.from !== 'beginning') {
    for (const [partition, offset] of start) consumer.seek({ topic, partition, offset: offset.toString() });
  }

  return {
    caughtUp,
    healthy: () => !dead(),
    async stop() {
      await consumer.disconnect();
      if (opts.deleteGroupOnStop) await deleteGroup(opts);
    },
  };
}

function pauseOthers(consumer: Consumer, topic: string, wanted: ReadonlySet<number>): void {
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const others = (e.payload.memberAssignment[topic] ?? []).filter((p) => !wanted.has(p));
    if (others.length) consumer.pause([{ topic, partitions: others }]);
  });
}

async function deleteGroup(opts: FollowTopicOptions): Promise<void> {
  const admin = opts.kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([opts.groupId]);
  } catch (err: unknown) {
    // The group holds no offsets: an undeleted one costs a line in group listings, nothing else.
    opts.logger.warn({ err: errorMessage(err), groupId: opts.groupId }, 'could not delete the follower group');
  } finally {
    await admin.disconnect();
  }
}

/** Reads the topic (or the given partitions) to its end as of the start, then stops. */
export async function readToEnd(opts: FollowTopicOptions & { timeoutMs: number }): Promise<void> {
  const follower = await followTopic(opts);
  try {
    await withDeadline(follower.caughtUp, opts.timeoutMs, `reading ${opts.topic} to its end`);
  } finally {
    await follower.stop();
  }
}
