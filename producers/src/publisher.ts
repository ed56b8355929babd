import {
  CompressionTypes,
  producerConfig,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
} from '@fraud/kafka';
import { FraudError, errorMessage, type Logger } from '@fraud/common';
import type { Label, Transaction } from '@fraud/schemas';
import type { ProducerMetrics } from './metrics.ts';

/** The only thing the publisher needs from a codec (schemas' Codec<T> satisfies it). */
export interface Encoder<T> {
  encode(value: T): Buffer;
}

export interface PublisherOptions {
  producer: Producer;
  topics: { transactions: string; labels: string };
  encoders: { transaction: Encoder<Transaction>; label: Encoder<Label> };
  /** Messages per produce request (both topics together). */
  batchSize?: number;
  /** Batches queued or in flight before add* callers must await ready(). */
  maxInFlight?: number;
  compression?: CompressionTypes;
  /** Longest wait of a partly filled batch before it is sent (default 5 ms). */
  lingerMs?: number;
  metrics?: ProducerMetrics;
  logger?: Logger;
}

export interface PublisherStats {
  /** Accepted: encoded and handed to the publisher. */
  acceptedTransactions: number;
  acceptedLabels: number;
  /** Acknowledged by the broker (acks=all). */
  sentTransactions: number;
  sentLabels: number;
  /** Records in batches the broker never acknowledged. */
  failed: number;
}

export interface Publisher {
  /** Encodes and buffers; throws ENCODE_FAILED synchronously for a record that cannot be encoded. */
  addTransaction(tx: Transaction): void;
  addLabel(label: Label): void;
  /** True when the caller should await ready() before adding more (backpressure). */
  readonly full: boolean;
  ready(): Promise<void>;
  /** Sends everything buffered and waits for every acknowledgement; throws if any batch failed. */
  flush(): Promise<void>;
  readonly stats: PublisherStats;
}

/**
 * Batches encoded records into large produce requests, keyed by origin account (transactions)
 * and by txId (labels), sent strictly in order with a bounded queue. The producer must be
 * idempotent (see createIdempotentProducer): retries then never duplicate or reorder.
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const { producer, topics, encoders, metrics, logger } = options;
  const batchSize = options.batchSize ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 2;
  const compression = options.compression ?? CompressionTypes.None;
  // A partly filled batch waits at most this long: at low rates (the simulator's default
  // 200 tx/s) records must not sit for a whole batch's worth of seconds.
  const lingerMs = options.lingerMs ?? 5;
  let lingerTimer: NodeJS.Timeout | undefined;
  let txBuf: Message[] = [];
  let labelBuf: Message[] = [];
  const inFlight = new Set<Promise<void>>();
  // Produce requests go one after another: concurrent sendBatch calls on an idempotent kafkajs
  // producer race for the broker lock and can reorder batches, and per-account order matters
  // to every stateful consumer downstream. The next batch is encoded while this one is in flight.
  let chain: Promise<void> = Promise.resolve();
  let failure: FraudError | undefined;
  const stats: PublisherStats = {
    acceptedTransactions: 0,
    acceptedLabels: 0,
    sentTransactions: 0,
    sentLabels: 0,
    failed: 0,
  };

  function dispatch(): void {
    if (lingerTimer) {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
    }
    if (txBuf.length === 0 && labelBuf.length === 0) return;
    const txs = txBuf;
    const labels = labelBuf;
    txBuf = [];
    labelBuf = [];
    const topicMessages: TopicMessages[] = [];
    if (txs.length) topicMessages.push({ topic: topics.transactions, messages: txs });
    if (labels.length) topicMessages.push({ topic: topics.labels, messages: labels });
    const p = chain
      .then(() => (failure ? Promise.reject(failure) : producer.sendBatch({ topicMessages, acks: -1, compression })))
      .then(() => {
        stats.sentTransactions += txs.length;
        stats.sentLabels += labels.length;
        metrics?.sent.inc({ topic: topics.transactions }, txs.length);
        if (labels.length) metrics?.sent.inc({ topic: topics.labels }, labels.length);
      })
      .catch((err: unknown) => {
        stats.failed += txs.length + labels.length;
        metrics?.errors.inc({ topic: topics.transactions }, txs.length);
        if (labels.length) metrics?.errors.inc({ topic: topics.labels }, labels.length);
        logger?.error({ err: errorMessage(err), records: txs.length + labels.length }, 'produce failed');
        failure ??= new FraudError(
          'KAFKA_UNAVAILABLE',
          `the broker did not accept ${txs.length + labels.length} records: ${errorMessage(err)}. Check that Kafka ` +
            `is up and the topics exist (fraud infra topics).`,
          {
            cause: err,
            retriable: true,
          },
        );
      })
      .finally(() => inFlight.delete(p));
    chain = p;
    inFlight.add(p);
  }

  function maybeDispatch(): void {
    if (txBuf.length + labelBuf.length >= batchSize) dispatch();
    else if (!lingerTimer) lingerTimer = setTimeout(dispatch, lingerMs);
  }

  return {
    addTransaction(tx) {
      const value = encoders.transaction.encode(tx);
      txBuf.push({ key: tx.originAccount, value });
      stats.acceptedTransactions++;
      maybeDispatch();
    },
    addLabel(label) {
      const value = encoders.label.encode(label);
      labelBuf.push({ key: label.txId, value });
      stats.acceptedLabels++;
      maybeDispatch();
    },
    get full() {
      return inFlight.size >= maxInFlight || failure !== undefined;
    },
    async ready() {
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      if (failure) throw failure;
    },
    async flush() {
      dispatch();
      while (inFlight.size > 0) await Promise.race(inFlight);
      if (failure) throw failure;
    },
    stats,
  };
}

/** An idempotent kafkajs producer (acks=all, no duplicates on retry), topics never auto-created. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  // Retried without end: a broker restart delays the publisher, never fails it.
  return kafka.producer(
    producerConfig('idempotent', {
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
    }),
  );
}
