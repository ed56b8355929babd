import type { IHeaders, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { errorMessage, type Logger } from '@fraud/common';
import { producerConfig } from './presets.ts';

/** One record to write in a Kafka transaction; `partition` pins it (co-partitioned outputs). */
export interface OutMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  partition?: number;
}

/** What one Kafka transaction writes: records, and the consumer group's next input offset. */
export interface TransactionalWrite {
  messages: readonly OutMessage[];
  offsets: { groupId: string; topic: string; partition: number; next: bigint };
}

/**
 * A transactional producer that owns one input partition (EOS v1: one transactional id per
 * input partition, stable across restarts and instances).
 */
export interface PartitionTransactor {
  readonly transactionalId: string;
  /**
   * One Kafka transaction: the records (in request-sized groups), the input offset (sendOffsets),
   * commit. On any failure the transaction is aborted and the error rethrown; the caller must
   * then drop this transactor (a fenced producer never commits again).
   */
  commit(write: TransactionalWrite): Promise<void>;
  close(): Promise<void>;
}

export interface PartitionTransactorOptions {
  kafka: Kafka;
  transactionalId: string;
  logger: Logger;
  /** Bytes of keys and values per produce request (default MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
}

/** Bytes of payload per produce request; well under the broker's default 1 MiB record batch limit. */
export const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * Connects a transactional producer and fences every previous owner of its id: InitProducerId
 * bumps the epoch (a zombie's later commits fail with a fencing error) and makes the broker
 * complete or abort whatever transaction the previous owner left open before it answers. Only
 * after this resolves is the group's committed offset for the partition stable.
 */
export async function openPartitionTransactor(opts: PartitionTransactorOptions): Promise<PartitionTransactor> {
  const { kafka, transactionalId, logger } = opts;
  const maxRequestBytes = opts.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const producer: Producer = kafka.producer(producerConfig('transactional', { transactionalId }));
  await producer.connect();
  try {
    const fence = await producer.transaction();
    await fence.abort();
  } catch (err: unknown) {
    await producer.disconnect().catch(() => undefined);
    throw err;
  }
  return {
    transactionalId,
    async commit(write) {
      const transaction = await producer.transaction();
      try {
        // Several produce requests when needed: one record batch must stay under the broker's
        // message.max.bytes (1 MiB by default), and a chunk of output can be bigger.
        for (const request of byRequestSize(write.messages, maxRequestBytes))
          await transaction.sendBatch({ topicMessages: request, acks: -1 });
        const { groupId, topic, partition, next } = write.offsets;
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic, partitions: [{ partition, offset: next.toString() }] }],
        });
        await transaction.commit();
      } catch (err: unknown) {
        await transaction
          .abort()
          .catch((abortErr: unknown) =>
            logger.warn({ err: errorMessage(abortErr), transactionalId }, 'abort failed (fenced or disconnected)'),
          );
        throw err;
      }
    },
    close: () => producer.disconnect(),
  };
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
