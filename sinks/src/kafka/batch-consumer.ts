import { consumerConfig, type Consumer, type EachBatchPayload, type Kafka, type LocatedRecord } from '@fraud/kafka';
import { FraudError, type Logger } from '@fraud/common';
import type { TopicHandler } from './decoding-handler.ts';
import type { SinkMetrics } from './sink-metrics.ts';

export interface BatchConsumerDeps {
  kafka: Kafka;
  groupId: string;
  sink: string;
  handlers: TopicHandler[];
  logger: Logger;
  metrics: SinkMetrics;
  /** Largest chunk handed to one write; a Kafka batch larger than this is split. */
  maxChunk?: number;
  fromBeginning?: boolean;
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /**
   * Partitions handled at once. 1 for the warehouse (one DuckDB writer, one transaction at a
   * time); the in-memory sinks use more so one partition's commit round trip does not delay the
   * next partition's records.
   */
  concurrency?: number;
}

export interface BatchConsumer {
  start(): Promise<void>;
  /** Resolves once the group has assigned partitions to this member. */
  joined(): Promise<void>;
  /** Finishes the chunk in flight, commits it, leaves the group. */
  stop(): Promise<void>;
  consumer: Consumer;
}

/**
 * A sink's consumer group: read_committed, manual commits after each durable write.
 * Invariant: an offset is committed only after every record before it in that partition has
 * been written or dead-lettered, so a crash replays (never skips) records; the writes are
 * upserts keyed by txId, so a replay never doubles a row.
 */
export function createBatchConsumer(deps: BatchConsumerDeps): BatchConsumer {
  const byTopic = new Map(deps.handlers.map((h) => [h.topic, h]));
  const maxChunk = deps.maxChunk ?? 2000;
  // The session timeout is configurable (SINK_SESSION_TIMEOUT_MS): the heartbeat stays at most a
  // third of it, the rebalance timeout at least 20 s.
  const sessionTimeout = deps.sessionTimeoutMs ?? 30_000;
  const consumer = deps.kafka.consumer(
    consumerConfig('throughput', {
      groupId: deps.groupId,
      ...(deps.maxBytesPerPartition !== undefined && { maxBytesPerPartition: deps.maxBytesPerPartition }),
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 20_000),
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
    }),
  );
  let joinedResolve: () => void = () => {};
  const joinedPromise = new Promise<void>((r) => (joinedResolve = r));
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    deps.logger.info({ group: deps.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
    joinedResolve();
  });

  async function eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const handler = byTopic.get(batch.topic);
    if (!handler) throw new FraudError('INTERNAL', `no handler for topic ${batch.topic}`);
    for (let i = 0; i < batch.messages.length; i += maxChunk) {
      if (!p.isRunning() || p.isStale()) return; // rebalance or stop: uncommitted rest is re-read
      const chunk = batch.messages.slice(i, i + maxChunk);
      const records: LocatedRecord[] = chunk.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        timestamp: m.timestamp,
      }));
      const end = deps.metrics.batchSeconds.labels(deps.sink).startTimer();
      try {
        await handler.handle(records);
      } catch (err: unknown) {
        deps.metrics.errors.labels(deps.sink, 'write').inc();
        throw err; // kafkajs restarts the consumer; nothing was committed for this chunk
      }
      const last = chunk[chunk.length - 1]!.offset;
      p.resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      end();
      deps.metrics.batchSize.labels(deps.sink).observe(chunk.length);
      await p.heartbeat();
    }
  }

  return {
    consumer,
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: deps.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: deps.concurrency ?? 1,
        eachBatch,
      });
    },
    joined: () => joinedPromise,
    async stop() {
      await consumer.disconnect(); // waits for the batch in flight, which commits before returning
    },
  };
}
