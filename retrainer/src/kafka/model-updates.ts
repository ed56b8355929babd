import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { errorMessage, waitFor, withAdminRetry, type Logger } from '@fraud/common';
import type { Codecs, ModelUpdate, Topics } from '@fraud/schemas';
import type { UpdateSink } from '../run/publisher.ts';

/**
 * Follows the compacted model-updates topic from the beginning (a fresh group each start, so
 * the whole compacted history is read): the latest record per key is the model in force,
 * a tombstone (null value) clears the key.
 */
export interface ModelUpdatesView {
  start(): Promise<void>;
  stop(): Promise<void>;
  champion(): ModelUpdate | null;
  shadow(): ModelUpdate | null;
  /** Resolves once the topic has been read up to the end offsets seen at start. */
  caughtUp(timeoutMs?: number): Promise<void>;
  onUpdate(fn: (role: 'champion' | 'shadow', u: ModelUpdate | null) => void): void;
}

export function watchModelUpdates(deps: {
  kafka: Kafka;
  codecs: Pick<Codecs, 'modelUpdate'>;
  topics: Pick<Topics, 'modelUpdates'>;
  logger: Logger;
  groupPrefix?: string;
}): ModelUpdatesView {
  let consumer: Consumer | undefined;
  const latest: { champion: ModelUpdate | null; shadow: ModelUpdate | null } = { champion: null, shadow: null };
  const listeners: ((role: 'champion' | 'shadow', u: ModelUpdate | null) => void)[] = [];
  const target = new Map<number, bigint>();
  const seen = new Map<number, bigint>();
  return {
    async start() {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        for (const p of await withAdminRetry(() => admin.fetchTopicOffsets(deps.topics.modelUpdates)))
          target.set(p.partition, BigInt(p.high));
      } finally {
        await admin.disconnect();
      }
      consumer = deps.kafka.consumer({
        groupId: `${deps.groupPrefix ?? 'retrainer-models'}-${randomUUID().slice(0, 8)}`,
        readUncommitted: false,
        maxWaitTimeInMs: 300,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: deps.topics.modelUpdates, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message, partition }) => {
          seen.set(partition, BigInt(message.offset) + 1n);
          const key = message.key?.toString('utf8');
          if (key !== 'champion' && key !== 'shadow') return;
          if (message.value === null) {
            latest[key] = null;
            for (const fn of listeners) fn(key, null);
            return;
          }
          try {
            const u = await deps.codecs.modelUpdate.decode(message.value);
            latest[key] = u;
            for (const fn of listeners) fn(key, u);
          } catch (err: unknown) {
            deps.logger.error({ err: errorMessage(err), offset: message.offset }, 'undecodable model update ignored');
          }
        },
      });
    },
    async stop() {
      await consumer?.disconnect();
      consumer = undefined;
    },
    champion: () => latest.champion,
    shadow: () => latest.shadow,
    async caughtUp(timeoutMs = 30_000) {
      await waitFor(() => [...target].every(([p, high]) => high === 0n || (seen.get(p) ?? 0n) >= high), {
        timeoutMs,
        what: 'model-updates read to the end',
      });
    },
    onUpdate(fn) {
      listeners.push(fn);
    },
  };
}

/** Writes model updates (and shadow tombstones) to the compacted topic, keyed by role. */
export function kafkaUpdateSink(deps: {
  producer: Producer;
  codecs: Pick<Codecs, 'modelUpdate'>;
  topics: Pick<Topics, 'modelUpdates'>;
}): UpdateSink {
  return {
    async send(key, value) {
      await deps.producer.send({
        topic: deps.topics.modelUpdates,
        messages: [{ key, value: value === null ? null : deps.codecs.modelUpdate.encode(value) }],
      });
    },
  };
}
