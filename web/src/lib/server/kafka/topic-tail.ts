import { randomUUID } from 'node:crypto';
import { followTopic, type Kafka, type KafkaMessage, type TopicFollower } from '@fraud/kafka';
import { errorMessage, type Logger } from '@fraud/common';

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
  /** kafkajs gave up on the tail's consumer: the console can no longer follow the topic. */
  onDeath?: (error: unknown) => void;
}): TopicTail {
  const groupId = `${deps.groupPrefix}fraud-web-${deps.name}-${randomUUID().slice(0, 8)}`;
  const onMessage = async (message: KafkaMessage): Promise<void> => {
    try {
      await deps.onMessage(message);
    } catch (err: unknown) {
      // A bad control/model record must not stop the console from following the topic.
      deps.logger.error(
        { topic: deps.topic, offset: message.offset, err: errorMessage(err) },
        'skipped a record the console cannot read',
      );
    }
  };
  let follower: TopicFollower | undefined;
  return {
    async start() {
      follower = await followTopic({
        kafka: deps.kafka,
        topic: deps.topic,
        groupId,
        logger: deps.logger,
        deleteGroupOnStop: true,
        onDeath: deps.onDeath,
        onMessages: async (messages) => {
          for (const m of messages) await onMessage(m);
        },
      });
    },
    async stop() {
      await follower?.stop();
      follower = undefined;
    },
  };
}
