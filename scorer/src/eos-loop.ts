import { randomUUID } from 'node:crypto';
import type {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  TopicMessages,
} from 'kafkajs';
import { errorMessage, type Logger } from '@fraud/common';
import type { Topics } from '@fraud/schemas';
import { toDlqMessage } from './dlq.ts';
import type { ScorerMetrics } from './metrics.ts';
import type { ModelManager } from './model-manager.ts';
import type { CompiledPolicy } from './policy.ts';
import type { FeatureModule, ScorerCodecs, TransactionValidator } from './ports.ts';
import { processBatch, type BatchResult } from './process-batch.ts';
import { RecentIds } from './recent-ids.ts';
import { restorePartitionState } from './state-restore.ts';

export interface LoopConfig {
  groupId: string;
  /** Prefix of the per-partition transactional ids; stable across restarts. */
  appId: string;
  maxBatch: number;
  maxBytesPerPartition: number;
  maxWaitTimeInMs: number;
  partitionsConcurrently: number;
  explainTopK: number;
  restoreTimeoutMs: number;
  sessionTimeoutMs: number;
  /** txIds remembered per partition to dead-letter repeats (0: no check). */
  dedupeWindow: number;
}

export interface LoopDeps<S> {
  kafka: Kafka;
  admin: Admin;
  topics: Topics;
  codecs: ScorerCodecs;
  features: FeatureModule<S>;
  validate: TransactionValidator;
  models: ModelManager;
  policy: () => CompiledPolicy;
  metrics: ScorerMetrics;
  logger: Logger;
  config: LoopConfig;
  now?: () => number;
  /** Waits until the destination view holds every partition's events before this eventTime (bounded). */
  awaitView?: (eventTime: number, appendedBy: number) => Promise<unknown>;
}

interface PartitionTask<S> {
  partition: number;
  producer: Producer;
  state: S;
  recent: RecentIds | undefined;
  /**
   * The next input offset to process. Read from the group after fencing the previous owner,
   * then advanced by each of this task's commits. kafkajs's own position is not enough: after a
   * rebalance it re-reads the group's committed offset, and OffsetFetch (kafkajs speaks v1-v4,
   * without KIP-447's requireStable) returns the offset from before a just-committed transaction
   * until its markers are written. Records below `next` were already scored in a committed
   * transaction of this producer and are skipped, never scored twice.
   */
  next: bigint;
  dropped: boolean;
  busy: Promise<unknown>;
}

export interface ScorerLoop {
  consumer: Consumer;
  assigned(): number[];
  stop(): Promise<void>;
}

/** `<app>-scorer-<topic>-<partition>`: the EOS-v1 zombie-fencing id for one input partition. */
export function transactionalIdFor(appId: string, topic: string, partition: number): string {
  return `${appId}-scorer-${topic}-${partition}`;
}

/**
 * The exactly-once read-process-write loop (EOS v1, one transactional producer per input
 * partition; see docs/scorer.md). A task for partition p is created lazily on its first batch:
 * fence the previous owner (InitProducerId on p's stable transactional id, which also waits for
 * its open transaction to finish), read the committed offset, rebuild the feature state from
 * scored[p]. Any failure of a transaction drops the task (producer and state) and ends the batch
 * without resolving the failed chunk, so kafkajs re-fetches from it and a new task is rebuilt
 * from Kafka.
 */
export async function startScorerLoop<S>(deps: LoopDeps<S>): Promise<ScorerLoop> {
  const { kafka, admin, topics, config, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const tasks = new Map<number, PartitionTask<S>>();
  let assignment: number[] = [];

  const consumer = kafka.consumer({
    groupId: config.groupId,
    readUncommitted: false,
    maxBytesPerPartition: config.maxBytesPerPartition,
    maxWaitTimeInMs: config.maxWaitTimeInMs,
    minBytes: 1,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(config.sessionTimeoutMs / 10)),
    rebalanceTimeout: Math.max(config.sessionTimeoutMs, config.restoreTimeoutMs),
  });

  /** Drops a task: its producer and state go, once whatever chunk it is running has settled. */
  const dropTask = async (task: PartitionTask<S>, why: string): Promise<void> => {
    if (task.dropped) return;
    task.dropped = true;
    if (tasks.get(task.partition) === task) tasks.delete(task.partition);
    metrics.consumerLag.remove({ partition: String(task.partition) });
    logger.info({ partition: task.partition, why }, 'partition task dropped');
    await task.busy.catch(() => undefined);
    await task.producer
      .disconnect()
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'producer disconnect failed'));
  };

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignment = [...(e.payload.memberAssignment[topics.transactions] ?? [])].sort((a, b) => a - b);
    logger.info({ assignment, memberId: e.payload.memberId }, 'partitions assigned');
    for (const task of [...tasks.values()]) if (!assignment.includes(task.partition)) void dropTask(task, 'revoked');
  });

  const createTask = async (partition: number): Promise<PartitionTask<S>> => {
    const started = Date.now();
    const producer = kafka.producer({
      transactionalId: transactionalIdFor(config.appId, topics.transactions, partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // The first send of a transaction answers CONCURRENT_TRANSACTIONS until the broker has
      // written the previous commit's markers (a few ms here): retry it quickly instead of the
      // client's 100 ms backoff, which otherwise dominates the latency at low load.
      retry: { initialRetryTime: 5, multiplier: 1.5, maxRetryTime: 1_000, retries: 60 },
    });
    await producer.connect();
    try {
      // InitProducerId: bumps the epoch (a zombie's later commits fail with a fencing error) and
      // completes or aborts whatever the previous owner left open.
      const fence = await producer.transaction();
      await fence.abort();
      const committed = await committedOffset(admin, config.groupId, topics.transactions, partition);
      const recent = config.dedupeWindow > 0 ? new RecentIds(config.dedupeWindow) : undefined;
      const { state, records } = await restorePartitionState({
        recent,
        kafka,
        scoredTopic: topics.scored,
        partition,
        groupId: `${config.groupId}-restore-${partition}-${randomUUID().slice(0, 8)}`,
        decode: (b) => deps.codecs.scored.decode(b),
        features: deps.features,
        logger,
        timeoutMs: config.restoreTimeoutMs,
      });
      metrics.restoredRecords.inc(records);
      logger.info(
        { partition, committed: committed.toString(), restored: records, ms: Date.now() - started },
        'partition task ready',
      );
      return { partition, producer, state, recent, next: committed, dropped: false, busy: Promise.resolve() };
    } catch (err: unknown) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  };

  const processChunk = async (
    task: PartitionTask<S>,
    messages: KafkaMessage[],
    highWatermark: string,
  ): Promise<void> => {
    const t0 = performance.now();
    const lease = deps.models.acquire();
    let result: BatchResult;
    const tx = await task.producer.transaction();
    try {
      result = await processBatch(
        messages,
        {
          topic: topics.transactions,
          partition: task.partition,
          state: task.state,
          recent: task.recent,
          models: lease.models,
          policy: deps.policy(),
        },
        {
          decode: (b) => deps.codecs.transaction.decode(b),
          validate: deps.validate,
          features: deps.features,
          explainTopK: config.explainTopK,
          now,
          awaitView: deps.awaitView,
        },
      );
      const out: OutMessage[] = result.scored.map((s) => ({
        topic: topics.scored,
        key: s.key,
        value: deps.codecs.scored.encode(s.record),
        partition: task.partition,
      }));
      for (const d of result.dead) out.push({ topic: topics.dlq, ...toDlqMessage(d) });
      // Several produce requests when needed: one record batch must stay under the broker's
      // message.max.bytes (1 MiB by default), and a chunk of decisions can be bigger.
      for (const group of byRequestSize(out, MAX_REQUEST_BYTES)) await tx.sendBatch({ topicMessages: group, acks: -1 });
      const next = BigInt(messages[messages.length - 1]!.offset) + 1n;
      await tx.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [{ topic: topics.transactions, partitions: [{ partition: task.partition, offset: next.toString() }] }],
      });
      await tx.commit();
      task.next = next;
    } catch (err: unknown) {
      lease.release();
      metrics.aborted.inc({ reason: (err as { name?: string }).name ?? 'Error' });
      logger.warn(
        {
          partition: task.partition,
          records: messages.length,
          err: errorMessage(err),
          type: (err as { type?: string }).type,
        },
        'batch transaction aborted; the partition is rebuilt and the batch retried',
      );
      await tx
        .abort()
        .catch((abortErr: unknown) =>
          logger.warn({ err: errorMessage(abortErr) }, 'abort failed (fenced or disconnected)'),
        );
      throw err;
    }
    lease.release();
    recordMetrics(metrics, result, messages.length, (performance.now() - t0) / 1000, now());
    const lag = BigInt(highWatermark) - BigInt(messages[messages.length - 1]!.offset) - 1n;
    metrics.consumerLag.set({ partition: String(task.partition) }, Number(lag < 0n ? 0n : lag));
  };

  const eachBatch = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> => {
    let task = tasks.get(batch.partition);
    if (!task) {
      task = await createTask(batch.partition);
      tasks.set(batch.partition, task);
      // Revoked while it was being rebuilt: never keep a task for a partition we do not own.
      if (!assignment.includes(batch.partition)) {
        await dropTask(task, 'revoked during restore');
        return;
      }
    }
    const next = task.next;
    const fresh = batch.messages.filter((m) => BigInt(m.offset) >= next);
    // Records below `next` are in a committed transaction already (this task's or the previous
    // owner's): move past them.
    const skipped = batch.messages.length - fresh.length;
    if (skipped > 0) resolveOffset(batch.messages[skipped - 1]!.offset);
    for (let i = 0; i < fresh.length; i += config.maxBatch) {
      if (!isRunning() || isStale() || task.dropped) return;
      const chunk = fresh.slice(i, i + config.maxBatch);
      const work = processChunk(task, chunk, batch.highWatermark);
      task.busy = work;
      try {
        await work;
      } catch (err: unknown) {
        // Logged, counted and aborted in processChunk. The state already includes this chunk:
        // the task is dropped (here, where `work` has settled: dropping from inside the chunk
        // waited for itself and hung the partition). Nothing of the chunk was resolved, so
        // kafkajs fetches it again and a new task (fencing, committed offset, state restore)
        // takes it. Rethrowing would crash the consumer on a non-retriable error such as a
        // fenced producer.
        await dropTask(task, `transaction failed: ${errorMessage(err)}`);
        return;
      }
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await heartbeat();
    }
  };

  await consumer.connect();
  await consumer.subscribe({ topic: topics.transactions, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch,
  });

  return {
    consumer,
    assigned: () => [...assignment],
    async stop() {
      await consumer.disconnect();
      await Promise.all([...tasks.values()].map((t) => dropTask(t, 'stopping')));
    },
  };
}

/** Bytes of payload per produce request; well under the broker's default 1 MiB record batch limit. */
const MAX_REQUEST_BYTES = 512 * 1024;

interface OutMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  partition?: number;
}

/** Groups messages (order kept) into requests of at most `maxBytes` of keys + values. */
export function byRequestSize(messages: readonly OutMessage[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let size = 0;
  const flush = () => {
    if (current.size) requests.push([...current].map(([topic, msgs]) => ({ topic, messages: msgs })));
    current = new Map();
    size = 0;
  };
  for (const { topic, ...m } of messages) {
    const bytes = (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64;
    if (size + bytes > maxBytes && size > 0) flush();
    const list = current.get(topic) ?? [];
    list.push(m);
    current.set(topic, list);
    size += bytes;
  }
  flush();
  return requests;
}

async function committedOffset(admin: Admin, groupId: string, topic: string, partition: number): Promise<bigint> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const o = res?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  return BigInt(o) < 0n ? 0n : BigInt(o);
}

function recordMetrics(m: ScorerMetrics, r: BatchResult, consumed: number, seconds: number, committedAt: number): void {
  m.consumed.inc(consumed);
  m.scored.inc(r.scored.length);
  m.batchSize.observe(consumed);
  m.batchSeconds.observe(seconds);
  m.txSeconds.observe(seconds / consumed);
  const dead = new Map<string, number>();
  for (const d of r.dead) dead.set(d.reason, (dead.get(d.reason) ?? 0) + 1);
  for (const [reason, n] of dead) m.deadLettered.inc({ reason }, n);
  const decisions = new Map<string, number>();
  for (const s of r.scored) {
    const k = `${s.record.decision}|${s.record.transaction.type}`;
    decisions.set(k, (decisions.get(k) ?? 0) + 1);
    m.endToEndSeconds.observe(Math.max(0, committedAt - s.record.source!.publishedAt) / 1000);
  }
  for (const [k, n] of decisions) {
    const [decision, type] = k.split('|') as [string, string];
    m.decisions.inc({ decision, type }, n);
  }
}
