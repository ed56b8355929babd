import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { producerConfig, type KafkaMessage } from '@fraud/kafka';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { createTopicTail } from './topic-tail.ts';

describe('the console topic tail on the real broker', () => {
  const kafka = testKafka('web-topic-tail');
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await testTopics(kafka);
  });
  afterAll(async () => topics.cleanup());

  it('reads the topic from the beginning, follows it, skips a record it cannot read, deletes its group', async () => {
    const topic = await topics.create(uniqueName('web-tail'), 1, { 'cleanup.policy': 'compact' });
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'a', value: 'first' },
        { key: 'b', value: 'bad' },
      ],
    });

    const seen: string[] = [];
    const prefix = `${uniqueName('tail')}.`;
    const tail = createTopicTail({
      kafka,
      topic,
      groupPrefix: prefix,
      name: 'test',
      logger: createLogger('web-tail-test', 'silent'),
      onMessage: async (m: KafkaMessage) => {
        if (String(m.value) === 'bad') throw new Error('unreadable');
        seen.push(String(m.value));
      },
    });
    await tail.start();
    await waitFor(() => seen.includes('first'), { timeoutMs: 20_000, what: 'the record written before start' });
    await producer.send({ topic, acks: -1, messages: [{ key: 'c', value: 'later' }] });
    await producer.disconnect();
    await waitFor(() => seen.includes('later'), { timeoutMs: 20_000, what: 'the record written after start' });
    expect(seen).toEqual(['first', 'later']);

    const listed = async (): Promise<string[]> =>
      (await topics.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    expect(await listed()).toHaveLength(1);
    await tail.stop();
    expect(await listed()).toEqual([]);
  });
});
