import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { FraudError, withAdminRetry, type Logger } from '@fraud/common';

export interface TopicReaderOptions {
  kafka: Kafka;
  topic: string;
  /** A group of its own (offsets never committed): every reader sees the whole topic. */
  groupId: string;
  /** Only these partitions (others are paused); all when omitted. */
  partitions?: readonly number[];
  /** Called in offset order per partition; awaited before the next batch of that partition. */
  onMessages: (messages: KafkaMessage[], partition: number) => Promise<void>;
  logger: Logger;
  /** Keep the fetch loop alive during long onMessages (restores of big partitions). */
  maxBytesPerPartition?: number;
}

export interface TopicReader {
  /** Resolves when every partition has been read up to its end offset as of start(). */
  caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads a topic from the beginning with read_committed, and tells when it has reached the end
 * offsets it saw at start. The end is detected through kafkajs's END_BATCH_PROCESS event, which
 * also fires for fetches holding only transaction markers (the last record of a transactional
 * partition is always a marker, never handed to eachBatch).
 */
export async function startTopicReader(opts: TopicReaderOptions): Promise<TopicReader> {
  const admin = opts.kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await withAdminRetry(() => admin.fetchTopicOffsets(opts.topic));
    ends = new Map(
      offsets
        .filter((o) => !opts.partitions || opts.partitions.includes(o.partition))
        .filter((o) => BigInt(o.high) > BigInt(o.low))
        .map((o) => [o.partition, BigInt(o.high)]),
    );
  } finally {
    await admin.disconnect();
  }

  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  const markRead = (partition: number, lastOffset: string): void => {
    const end = ends.get(partition);
    if (end !== undefined && BigInt(lastOffset) >= end - 1n) ends.delete(partition);
    if (ends.size === 0) resolveCaughtUp();
  };
  if (ends.size === 0) resolveCaughtUp();

  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    readUncommitted: false,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => markRead(e.payload.partition, e.payload.lastOffset));
  if (opts.partitions) {
    const wanted = new Set(opts.partitions);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = e.payload.memberAssignment[opts.topic] ?? [];
      const others = assigned.filter((p) => !wanted.has(p));
      if (others.length) consumer.pause([{ topic: opts.topic, partitions: others }]);
    });
  }
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      if (opts.partitions && !opts.partitions.includes(batch.partition)) return;
      await opts.onMessages(batch.messages, batch.partition);
      await heartbeat();
    },
  });
  return {
    caughtUp,
    async stop() {
      await consumer.disconnect();
    },
  };
}

/** Reads the given partitions from the beginning to their current end, then stops. */
export async function readToEnd(opts: TopicReaderOptions & { timeoutMs: number }): Promise<void> {
  const reader = await startTopicReader(opts);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FraudError('TIMEOUT', `reading ${opts.topic} to its end took more than ${opts.timeoutMs} ms`, {
            retriable: true,
          }),
        ),
      opts.timeoutMs,
    );
  });
  try {
    await Promise.race([reader.caughtUp, timeout]);
  } finally {
    clearTimeout(timer);
    await reader.stop();
  }
}
