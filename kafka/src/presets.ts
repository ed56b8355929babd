import { Partitioners, type ConsumerConfig, type ProducerConfig } from 'kafkajs';

/**
 * Named consumer settings. Every consumer in the repo starts from one of these; a call site that
 * needs something else passes an override and says why. All of them read committed records only
 * (the scorer writes `scored` transactionally; an aborted record must never be seen).
 *
 * - latency: request-reply readers (the API waiting for a decision): a fetch returns after 5 ms
 *   at most, and a dead instance leaves its group within 10 s.
 * - throughput: group consumers that batch their work (sinks, retrainer ingest, console cases):
 *   large fetches, a 250 ms fetch wait.
 * - tail: private-group readers that read a topic to its end and follow it (the follower):
 *   100 ms fetch wait, so a fetch holding only a transaction marker is answered quickly (with
 *   kafkajs's 5 s default, a read_committed fetch of a transactional record waits it out); reading
 *   a topic never creates it.
 * - transactional: the scorer's exactly-once group; the scorer overrides the sizes and timeouts
 *   from its own config.
 */
export type ConsumerPreset = 'latency' | 'throughput' | 'tail' | 'transactional';
export type ProducerPreset = 'transactional' | 'idempotent' | 'plain';

const MiB = 1024 * 1024;

const CONSUMER_PRESETS: Record<ConsumerPreset, Omit<ConsumerConfig, 'groupId'>> = {
  latency: {
    readUncommitted: false,
    maxWaitTimeInMs: 5,
    minBytes: 1,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  },
  throughput: {
    readUncommitted: false,
    maxBytesPerPartition: 4 * MiB,
    maxWaitTimeInMs: 250,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 3_000,
  },
  tail: {
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * MiB,
    maxWaitTimeInMs: 100,
    minBytes: 1,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
  },
  transactional: {
    readUncommitted: false,
    maxBytesPerPartition: MiB,
    maxWaitTimeInMs: 5,
    minBytes: 1,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 300_000,
  },
};

export function consumerConfig(
  preset: ConsumerPreset,
  overrides: Partial<ConsumerConfig> & { groupId: string },
): ConsumerConfig {
  return { ...CONSUMER_PRESETS[preset], ...overrides };
}

/**
 * Named producer settings.
 * - transactional: one Kafka transaction at a time per transactional id. The first send of a
 *   transaction answers CONCURRENT_TRANSACTIONS until the broker has written the previous
 *   commit's markers (a few ms): it is retried quickly instead of kafkajs's 100 ms backoff.
 * - idempotent: acks from every replica, no duplicates on retry, order kept (one request in flight).
 * - plain: kafkajs's defaults with the Java-compatible partitioner (the same key lands on the same
 *   partition as with any other Kafka client).
 * Every preset uses the Java-compatible partitioner explicitly (kafkajs's default, stated so it
 * does not warn).
 */
const PRODUCER_PRESETS: Record<ProducerPreset, ProducerConfig> = {
  transactional: {
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 5, multiplier: 1.5, maxRetryTime: 1_000, retries: 60 },
  },
  idempotent: {
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  },
  plain: {
    createPartitioner: Partitioners.DefaultPartitioner,
  },
};

export function producerConfig(
  preset: 'transactional',
  overrides: ProducerConfig & { transactionalId: string },
): ProducerConfig;
export function producerConfig(preset: 'idempotent' | 'plain', overrides?: ProducerConfig): ProducerConfig;
export function producerConfig(preset: ProducerPreset, overrides: ProducerConfig = {}): ProducerConfig {
  return { ...PRODUCER_PRESETS[preset], ...overrides };
}

/**
 * The scorer's state snapshots (scorer/src/state-snapshot.ts): compacted, one key per partition
 * and part, so the newest snapshot of each partition stays; small segments so compaction runs
 * within minutes and a restore's read of the tail stays short.
 */
/**
 * The internal entity-events topic (scorer/src/entity/): copies of payments keyed by entity, read
 * by their partition's owner over the views' lookback (26 h by default) at every restore; kept 3
 * days, so a lookback up to that long finds its history.
 */
export const entityEventsTopicConfig: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'cleanup.policy', value: 'delete' },
  { name: 'retention.ms', value: String(3 * 86_400_000) },
  { name: 'segment.ms', value: String(3_600_000) },
];

export const snapshotTopicConfig: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'max.message.bytes', value: String(16 * 1024 * 1024) },
  { name: 'segment.ms', value: String(10 * 60_000) },
  { name: 'min.cleanable.dirty.ratio', value: '0.1' },
];
