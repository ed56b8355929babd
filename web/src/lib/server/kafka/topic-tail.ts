import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@fraud/common';
import { errorMessage } from '@fraud/common';

/**
 * Reads a (compacted) topic from the beginning and keeps following it, handing every message to
 * onMessage. Uses a throw-away consumer group per process: the console needs the whole topic on
 * every start, not a committed position; the group is deleted on stop.
 */
export interface TopicTail {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createTopicTail(deps: {
  kafka: Kafka;
  topic: string;
  /** Group name prefix (the TOPIC_PREFIX, so tenants and tests can find their own groups). */
  groupPrefix: string;
  name: string;
  logger: Logger;
  onMessage: (message: KafkaMessage) => Promise<void>;
}): TopicTail {
  const groupId = `${deps.groupPrefix}fraud-web-${deps.name}-${randomUUID().slice(0, 8)}`;
  // A short fetch wait: with kafkajs's 5 s default, a read_committed fetch of a transactional
  // record was answered only when the wait ran out (measured 4.9-5.0 s in the browser test).
  const consumer = deps.kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
  });
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: deps.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          try {
            await deps.onMessage(message);
          } catch (err: unknown) {
            // A bad control/model record must not stop the console from following the topic.
            deps.logger.error(
              { topic: deps.topic, offset: message.offset, err: errorMessage(err) },
              'skipped a record the console cannot read',
            );
          }
        },
      });
    },
    async stop() {
      await consumer.disconnect();
      const admin = deps.kafka.admin();
      await admin.connect();
      await admin
        .deleteGroups([groupId])
        .catch((err: unknown) =>
          deps.logger.warn({ err: errorMessage(err), groupId }, 'could not delete the console group'),
        );
      await admin.disconnect();
    },
  };
}
