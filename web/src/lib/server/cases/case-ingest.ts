import { consumerConfig, watchConsumerDeath, type Kafka } from '@fraud/kafka';
import type { Codecs, ScoredTransaction } from '@fraud/schemas';
import { errorMessage, type Logger } from '@fraud/common';
import type { CaseStore } from './case-store.ts';

/**
 * Turns REVIEW/BLOCK records of `scored` into review cases. A committed consumer group: offsets
 * are committed only after the batch is in the console database, and inserts are idempotent by
 * txId, so a restart neither loses nor duplicates a case.
 * Records the console cannot decode are logged and skipped: the scorer already validated them
 * and the warehouse keeps them, the queue only loses that one case.
 */
export function createCaseIngest(deps: {
  kafka: Kafka;
  codecs: Codecs;
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  cases: CaseStore;
  logger: Logger;
  /** kafkajs gave up on the consumer (a crash it does not restart from): no more cases would arrive. */
  onDeath?: (error: unknown) => void;
}) {
  // The throughput preset's short fetch wait matters here: `scored` is written in transactions,
  // and with kafkajs's 5 s default a new case could wait out the whole fetch wait before reaching
  // the queue. A 15 s session: a restarted console gets the cases group's partitions back sooner.
  const consumer = deps.kafka.consumer(
    consumerConfig('throughput', { groupId: deps.groupId, sessionTimeout: 15_000, heartbeatInterval: 1_000 }),
  );
  consumer.on(consumer.events.CRASH, (e) => {
    deps.logger.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'case ingest crashed');
  });
  watchConsumerDeath(consumer, deps.onDeath);
  return {
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topic: deps.topic, fromBeginning: deps.fromBeginning });
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
          const records: ScoredTransaction[] = [];
          for (const m of batch.messages) {
            if (!m.value) continue;
            // Cheap skip: decode only what can become a case; APPROVE dominates the stream.
            try {
              const r = await deps.codecs.scored.decode(m.value);
              if (r.decision !== 'APPROVE') records.push(r);
            } catch (err: unknown) {
              deps.logger.warn(
                { offset: m.offset, partition: batch.partition, err: errorMessage(err) },
                'skipped an undecodable scored record',
              );
            }
          }
          if (records.length) await deps.cases.ingest(records);
          const last = batch.messages[batch.messages.length - 1];
          if (last) resolveOffset(last.offset);
          await commitOffsetsIfNecessary();
          await heartbeat();
        },
      });
    },
    async stop(): Promise<void> {
      await consumer.disconnect();
    },
  };
}
