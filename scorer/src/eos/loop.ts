import {
  consumerConfig,
  ownerAssigner,
  PartitionAssigners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
} from '@fraud/kafka';
import type { Logger } from '@fraud/common';
import type { Topics } from '@fraud/schemas';
import type { ScorerMetrics } from '../metrics.ts';
import type { ModelManager } from '../model-manager.ts';
import type { CompiledPolicy } from '../policy.ts';
import type { FeatureModule, ScorerCodecs, TransactionValidator } from '../ports.ts';
import { createKafkaEosPort } from './kafka-port.ts';
import { mayStartChunk, planFetchBatch } from './machine.ts';
import type { EosPort } from './port.ts';
import { createTaskTable, type TaskTable } from './tasks.ts';
import type { EntityOwners } from '../entity/owner.ts';

export interface LoopConfig {
  groupId: string;
  /** Prefix of the per-partition transactional ids; stable across restarts. */
  appId: string;
  /** Most records per chunk (SCORER_MAX_BATCH). */
  maxChunk: number;
  maxBytesPerPartition: number;
  maxWaitTimeInMs: number;
  /** Bytes a fetch waits for (up to maxWaitTimeInMs); 1 when absent. */
  minBytes?: number;
  partitionsConcurrently: number;
  explainTopK: number;
  restoreTimeoutMs: number;
  sessionTimeoutMs: number;
  /** txIds remembered per partition to dead-letter repeats (0: no check). */
  dedupeWindow: number;
  /** Decisions remembered per partition task for the synchronous path's retries (0: none). */
  decisionMemory?: number;
  /** State snapshots: how often a partition task writes one (0 or absent: never; restores read all of scored). */
  snapshotIntervalMs?: number;
  /** Payments scored since the last snapshot before the next is due. */
  snapshotMinRecords?: number;
  /**
   * The URL of this instance's decide endpoint, advertised in the group's member userData (the
   * API reads the owner of each partition there); empty or absent: none.
   */
  decideUrl?: string;
}

export interface LoopDeps {
  kafka: Kafka;
  admin: Admin;
  topics: Topics;
  codecs: ScorerCodecs;
  /** The specs in force (the current models'): a partition task opens with a state for each. */
  specs: () => readonly FeatureModule[];
  validate: TransactionValidator;
  models: ModelManager;
  policy: () => CompiledPolicy;
  metrics: ScorerMetrics;
  logger: Logger;
  config: LoopConfig;
  /** The one wall clock of the loop and the scoring. */
  now: () => number;
  /** The Kafka side of the loop; the real broker's when omitted. */
  port?: EosPort;
  /** Awaited after each fetch of scored[p] during a restore (instrumentation; tests throttle with it). */
  onRestoreFetch?: (partition: number, records: number) => Promise<void>;
  /**
   * Partitioned entity state: the owners follow the assignment, and a partition's task opens once
   * its entity partition has read its history.
   */
  entity?: { owners: Pick<EntityOwners, 'assigned' | 'ready'> };
}

export interface ScorerLoop {
  consumer: Consumer;
  assigned(): number[];
  /** The partition tasks, for the synchronous path (sync/decider.ts). */
  tasks: Pick<TaskTable, 'syncSlot' | 'invalidate'>;
  stop(): Promise<void>;
}

/**
 * The exactly-once read-process-write loop (EOS v1, one transactional producer per input
 * partition; docs/scorer.md). The pure state machine (machine.ts) decides; this shell carries it
 * out with kafkajs: a partition task is opened lazily on the partition's first fetch batch
 * (fence, committed offset, restore, heartbeating meanwhile), each fetch batch is planned against
 * the task's position and scored chunk by chunk, one Kafka transaction each. A failed chunk drops
 * the task and is not resolved, so kafkajs fetches it again and a new task scores it. The error
 * is not rethrown: kafkajs would crash the consumer on a non-retriable one such as a fenced producer.
 */
export async function startScorerLoop(deps: LoopDeps): Promise<ScorerLoop> {
  const { topics, config, logger } = deps;
  const heartbeatIntervalMs = Math.max(500, Math.floor(config.sessionTimeoutMs / 10));
  const heartbeats = latestHeartbeat();
  const tasks = createTaskTable({
    port:
      deps.port ??
      createKafkaEosPort({
        ...deps,
        config: { ...config, heartbeatIntervalMs },
        beforeRestore: deps.entity ? (p) => deps.entity!.owners.ready(p) : undefined,
      }),
    chunk: {
      ...deps,
      topic: topics.transactions,
      explainTopK: config.explainTopK,
      decode: (b) => deps.codecs.transaction.decode(b),
      decodeDecided: (b) => deps.codecs.scored.decode(b),
    },
    metrics: deps.metrics,
    logger,
    decisionMemory: config.decisionMemory,
  });
  const consumer = deps.kafka.consumer(
    consumerConfig('transactional', {
      groupId: config.groupId,
      maxBytesPerPartition: config.maxBytesPerPartition,
      maxWaitTimeInMs: config.maxWaitTimeInMs,
      minBytes: config.minBytes ?? 1,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs,
      rebalanceTimeout: Math.max(config.sessionTimeoutMs, config.restoreTimeoutMs),
      // Round robin, with this instance's decide URL in its member userData (docs/scorer.md); plain
      // round robin second, so a rolling upgrade from members that offer only that one still joins.
      partitionAssigners: [ownerAssigner(config.decideUrl ?? ''), PartitionAssigners.roundRobin],
    }),
  );
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    tasks.assigned(e.payload.memberAssignment[topics.transactions] ?? []);
    deps.entity?.owners.assigned(e.payload.memberAssignment[topics.transactions] ?? []);
    logger.info({ assignment: tasks.assignment(), memberId: e.payload.memberId }, 'partitions assigned');
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.transactions, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch: (payload) => scoreFetchBatch(payload, tasks, config.maxChunk, heartbeats),
  });
  return {
    consumer,
    assigned: () => tasks.assignment(),
    tasks,
    async stop() {
      await consumer.disconnect();
      await tasks.stop();
    },
  };
}

/**
 * The consumer group's heartbeat for a task's long steps (restore, a new spec's state), behind one
 * indirection to the newest fetch batch's. A task keeps it for its lifetime, and kafkajs's
 * payload.heartbeat closes over its batch: kept as such it held each task's first fetch batch (at
 * catch-up ~1 MB and 11k message objects per partition, marked by every full GC) while the task
 * lived. kafkajs's heartbeat is the group's, so any batch's serves.
 */
export function latestHeartbeat(): { set(h: () => Promise<void>): void; beat: () => Promise<void> } {
  let latest: () => Promise<void> = () => Promise.resolve();
  return { set: (h) => void (latest = h), beat: () => latest() };
}

/** One fetch batch: skip what is below the task's position, score the rest chunk by chunk. */
async function scoreFetchBatch(
  payload: EachBatchPayload,
  tasks: TaskTable,
  maxChunk: number,
  heartbeats: ReturnType<typeof latestHeartbeat>,
): Promise<void> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
  heartbeats.set(heartbeat);
  const task = await tasks.ensureTask(batch.partition, heartbeats.beat);
  if (task === undefined) return;
  const plan = planFetchBatch(
    task.position!,
    batch.messages.map((m) => m.offset),
    maxChunk,
  );
  // Records below the position are in a committed Kafka transaction already: move past them.
  if (plan.resolveSkippedThrough !== null) resolveOffset(plan.resolveSkippedThrough);
  for (const { start, end } of plan.chunks) {
    if (!isRunning() || isStale() || !mayStartChunk(tasks.state(), task.id)) return;
    const records = batch.messages.slice(start, end);
    if (!(await tasks.runChunk(task, records, batch.highWatermark))) return;
    resolveOffset(records[records.length - 1]!.offset);
    await heartbeat();
  }
}
