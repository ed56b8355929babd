import { randomUUID } from 'node:crypto';
import { followTopic, type Kafka, type KafkaMessage, type TopicFollower } from '@fraud/kafka';
import type { Logger } from '@fraud/common';

/** A follower of one topic that can be started and stopped; `current()` is the running one. */
export interface RecordFollower {
  start(): Promise<void>;
  stop(): Promise<void>;
  current(): TopicFollower | undefined;
}

/**
 * Follows `topic` from the beginning under a fresh group (`<groupPrefix>-<random>`, the prefix
 * `defaultGroupPrefix` unless deps name one) each start, so the whole compacted history is read
 * again, and applies each record in topic order.
 */
export function followRecords(
  deps: { kafka: Kafka; logger: Logger; groupPrefix?: string },
  topic: string,
  defaultGroupPrefix: string,
  apply: (message: KafkaMessage) => Promise<void>,
): RecordFollower {
  let follower: TopicFollower | undefined;
  return {
    async start() {
      follower = await followTopic({
        kafka: deps.kafka,
        topic,
        groupId: `${deps.groupPrefix ?? defaultGroupPrefix}-${randomUUID().slice(0, 8)}`,
        logger: deps.logger,
        onMessages: async (messages) => {
          for (const m of messages) await apply(m);
        },
      });
    },
    async stop() {
      await follower?.stop();
      follower = undefined;
    },
    current: () => follower,
  };
}
