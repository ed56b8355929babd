import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, isFraudError, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import {
  Kafka,
  followTopic,
  logLevel,
  producerConfig,
  readToEnd,
  type KafkaMessage,
  type TopicFollower,
} from '../src/index.ts';
import { testBrokers, testKafka, testTopics, type TestTopics } from '../src/testing.ts';

const logger = createLogger('follower-test', 'silent');

describe('followTopic on the real broker', () => {
  const kafka = testKafka('follower-test');
  let topics: TestTopics;
  const followers: TopicFollower[] = [];
  beforeAll(async () => {
    topics = await testTopics(kafka);
  });
  afterAll(async () => {
    await Promise.all(followers.map((f) => f.stop()));
    await topics.cleanup();
  });

  const follow = async (
    topic: string,
    extra: Partial<Parameters<typeof followTopic>[0]> = {},
  ): Promise<{ follower: TopicFollower; seen: Array<{ partition: number; value: string }> }> => {
    const seen: Array<{ partition: number; value: string }> = [];
    const follower = await followTopic({
      kafka,
      topic,
      groupId: uniqueName('follower'),
      logger,
      onMessages: async (messages: KafkaMessage[], partition: number) => {
        for (const m of messages) seen.push({ partition, value: String(m.value) });
      },
      ...extra,
    });
    followers.push(follower);
    return { follower, seen };
  };

  it('catches up on a transactional topic whose last record is a commit marker, then follows', async () => {
    const topic = await topics.create(uniqueName('follow-tx'), 2);
    const producer = kafka.producer(producerConfig('transactional', { transactionalId: uniqueName('follow-tx') }));
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await tx.commit();

    const { follower, seen } = await follow(topic);
    await follower.caughtUp;
    expect(seen.map((s) => s.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`).sort());

    const next = await producer.transaction();
    await next.send({ topic, messages: [{ key: 'k0', value: 'after' }] });
    await next.commit();
    await producer.disconnect();
    await waitFor(() => seen.some((s) => s.value === 'after'), { timeoutMs: 20_000, what: 'the followed record' });
    expect(seen).toHaveLength(21);
    expect(follower.healthy()).toBe(true);
  });

  it('reads only the given partitions', async () => {
    const topic = await topics.create(uniqueName('follow-parts'), 3);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [0, 1, 2, 1].map((partition, i) => ({ partition, value: `p${partition}-${i}` })),
    });
    await producer.disconnect();

    const { follower, seen } = await follow(topic, { partitions: [1] });
    await follower.caughtUp;
    expect(seen).toEqual([
      { partition: 1, value: 'p1-1' },
      { partition: 1, value: 'p1-3' },
    ]);
  });

  it('starts at a timestamp', async () => {
    const topic = await topics.create(uniqueName('follow-time'), 1);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    const t0 = Date.now() - 60_000;
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { value: 'old-1', timestamp: String(t0) },
        { value: 'old-2', timestamp: String(t0 + 1_000) },
        { value: 'new-1', timestamp: String(t0 + 30_000) },
        { value: 'new-2', timestamp: String(t0 + 31_000) },
      ],
    });
    await producer.disconnect();

    const { follower, seen } = await follow(topic, { from: { timestamp: t0 + 30_000 } });
    await follower.caughtUp;
    expect(seen.map((s) => s.value)).toEqual(['new-1', 'new-2']);
  });

  it('resolves caughtUp at once on an empty topic; stop deletes the group when asked', async () => {
    const topic = await topics.create(uniqueName('follow-empty'), 2);
    const groupId = uniqueName('follower-stop');
    const follower = await followTopic({
      kafka,
      topic,
      groupId,
      logger,
      deleteGroupOnStop: true,
      onMessages: async () => {},
    });
    await follower.caughtUp;
    await waitFor(async () => (await topics.admin.listGroups()).groups.some((g) => g.groupId === groupId), {
      timeoutMs: 30_000,
      what: 'the follower to join its group',
    });
    await follower.stop();
    const groups = (await topics.admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups).not.toContain(groupId);
  });

  it('readToEnd rejects with a retriable TIMEOUT when the end is not reached in time', async () => {
    const topic = await topics.create(uniqueName('follow-deadline'), 1);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'stuck' }] });
    await producer.disconnect();

    let handed = 0;
    // kafkajs logs every failed batch; this test fails them on purpose.
    const quiet = new Kafka({ clientId: 'follower-deadline', brokers: testBrokers(), logLevel: logLevel.NOTHING });
    const outcome = await readToEnd({
      kafka: quiet,
      topic,
      groupId: uniqueName('follower-deadline'),
      logger,
      timeoutMs: 3_000,
      // Never done: kafkajs fetches the record again after every failure, the end is never reached.
      onMessages: async () => {
        handed++;
        throw new Error('not processed');
      },
    }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isFraudError(outcome, 'TIMEOUT') && outcome.retriable).toBe(true);
    expect(handed).toBeGreaterThan(0);
  });

  it('readToEnd returns once the topic is read', async () => {
    const topic = await topics.create(uniqueName('follow-read'), 2);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `${i}`, value: `${i}` })),
    });
    await producer.disconnect();
    let count = 0;
    await readToEnd({
      kafka,
      topic,
      groupId: uniqueName('follower-read'),
      logger,
      timeoutMs: 30_000,
      onMessages: async (messages) => void (count += messages.length),
    });
    expect(count).toBe(10);
  });

  it('starts at given offsets per partition', async () => {
    const topic = await topics.create(uniqueName('follow-offsets'), 1);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c', 'd'].map((value) => ({ value })) });
    await producer.disconnect();
    const seen: string[] = [];
    await readToEnd({
      kafka,
      topic,
      groupId: uniqueName('follower-offsets'),
      logger,
      timeoutMs: 30_000,
      from: { offsets: new Map([[0, 2n]]) },
      onMessages: async (messages) => void seen.push(...messages.map((m) => String(m.value))),
    });
    expect(seen).toEqual(['c', 'd']);
  });

  it('tells onDeath once when kafkajs gives up on the consumer, and reports unhealthy', async () => {
    const topic = await topics.create(uniqueName('follow-death'), 1);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'poison' }] });
    await producer.disconnect();
    // A client that never restarts a crashed consumer, as kafkajs does for non-retriable errors.
    const fragile = new Kafka({
      clientId: 'follower-death',
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    const deaths: unknown[] = [];
    const follower = await followTopic({
      kafka: fragile,
      topic,
      groupId: uniqueName('follower-death'),
      logger,
      onDeath: (err) => deaths.push(err),
      onMessages: async () => {
        throw new Error('cannot handle this record');
      },
    });
    followers.push(follower);
    await waitFor(() => deaths.length > 0, { timeoutMs: 30_000, what: 'onDeath after the consumer crashed' });
    expect(follower.healthy()).toBe(false);
    expect(deaths).toHaveLength(1);
  });
});
