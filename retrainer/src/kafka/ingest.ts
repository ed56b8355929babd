import type { Consumer, Kafka, Producer } from 'kafkajs';
import { errorMessage, type Logger } from '@fraud/common';
import type { Codecs, Label, ScoredTransaction, Topics } from '@fraud/schemas';
import type { TrainingStore } from '../store/training-store.ts';

/**
 * Consumes `scored` and `labels` (read_committed) into the training store. Offsets are
 * committed only after the batch is in the store, so a crash replays the batch and the
 * store's idempotent ingest absorbs it. A record that cannot be decoded is counted and sent
 * to the DLQ with the reason, never dropped silently and never blocking the partition.
 */
export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createIngest(deps: {
  kafka: Kafka;
  codecs: Pick<Codecs, 'scored' | 'label'>;
  topics: Pick<Topics, 'scored' | 'labels' | 'dlq'>;
  groupId: string;
  store: TrainingStore;
  producer: Producer;
  logger: Logger;
  fromBeginning?: boolean;
}): Ingest {
  let consumer: Consumer | undefined;
  return {
    async start() {
      consumer = deps.kafka.consumer({
        groupId: deps.groupId,
        readUncommitted: false,
        sessionTimeout: 30_000,
        maxWaitTimeInMs: 500,
      });
      await consumer.connect();
      await consumer.subscribe({
        topics: [deps.topics.scored, deps.topics.labels],
        fromBeginning: deps.fromBeginning ?? true,
      });
      const c = consumer;
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          const isScored = batch.topic === deps.topics.scored;
          const good: (ScoredTransaction | Label)[] = [];
          const bad: { value: Buffer | null; key: Buffer | null; reason: string; offset: string }[] = [];
          for (const m of batch.messages) {
            if (m.value === null) {
              bad.push({ value: null, key: m.key, reason: 'empty value', offset: m.offset });
              continue;
            }
            try {
              good.push(isScored ? await deps.codecs.scored.decode(m.value) : await deps.codecs.label.decode(m.value));
            } catch (err: unknown) {
              bad.push({ value: m.value, key: m.key, reason: errorMessage(err), offset: m.offset });
            }
          }
          if (isScored) await deps.store.ingestScored(good as ScoredTransaction[]);
          else await deps.store.ingestLabels(good as Label[]);
          if (bad.length) {
            await deps.producer.send({
              topic: deps.topics.dlq,
              messages: bad.map((b) => ({
                key: b.key,
                value: b.value,
                headers: {
                  'x-reason': b.reason,
                  'x-source-topic': batch.topic,
                  'x-source-partition': String(batch.partition),
                  'x-source-offset': b.offset,
                  'x-stage': 'retrainer',
                },
              })),
            });
            await deps.store.countInvalid(bad.length);
            deps.logger.warn(
              { topic: batch.topic, count: bad.length, first: bad[0]?.reason },
              'undecodable records sent to the DLQ',
            );
          }
          const last = batch.messages[batch.messages.length - 1];
          if (last) {
            resolveOffset(last.offset);
            await c.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ]);
          }
          await heartbeat();
        },
      });
    },
    async stop() {
      await consumer?.disconnect();
      consumer = undefined;
    },
  };
}
