import {
  consumerConfig,
  createDlqWriter,
  watchConsumerDeath,
  type Consumer,
  type DeadLetter,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from '@fraud/kafka';
import { errorMessage, isFraudError, type Logger } from '@fraud/common';
import type { Codecs, Label, ScoredTransaction, Topics } from '@fraud/schemas';
import type { TrainingStore } from '../store/training-store.ts';

/**
 * Consumes `scored` and `labels` (read_committed) into the training store. Offsets are
 * committed only after the batch is in the store, so a crash replays the batch and the
 * store's idempotent ingest absorbs it. A record that cannot be decoded is counted and
 * dead-lettered (the one DLQ contract, service `retrainer`), never dropped silently and never
 * blocking the partition.
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
  /** Called when kafkajs gives up on the consumer (a crash it will not restart from). */
  onConsumerDeath?: (err: unknown) => void;
}): Ingest {
  let consumer: Consumer | undefined;
  const dlq = createDlqWriter({ producer: deps.producer, topic: deps.topics.dlq, service: 'retrainer' });
  return {
    async start() {
      consumer = deps.kafka.consumer(consumerConfig('throughput', { groupId: deps.groupId }));
      watchConsumerDeath(consumer, deps.onConsumerDeath);
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
          const bad: DeadLetter[] = [];
          const dead = (m: KafkaMessage, code: string, message: string): DeadLetter => ({
            code,
            message,
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            timestamp: m.timestamp,
            key: m.key,
            value: m.value,
            headers: m.headers ?? {},
          });
          for (const m of batch.messages) {
            if (m.value === null) {
              bad.push(dead(m, 'RECORD_INVALID', 'empty value'));
              continue;
            }
            try {
              good.push(isScored ? await deps.codecs.scored.decode(m.value) : await deps.codecs.label.decode(m.value));
            } catch (err: unknown) {
              bad.push(dead(m, isFraudError(err) ? err.code : 'DECODE_FAILED', errorMessage(err)));
            }
          }
          if (isScored) await deps.store.ingestScored(good as ScoredTransaction[]);
          else await deps.store.ingestLabels(good as Label[]);
          if (bad.length) {
            await dlq.send(bad);
            await deps.store.countInvalid(bad.length);
            deps.logger.warn(
              { topic: batch.topic, count: bad.length, first: bad[0]?.message },
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
