import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import {
  byRequestSize,
  openPartitionTransactor,
  readToEnd,
  type KafkaMessage,
  type PartitionTransactor,
} from '../src/index.ts';
import { testKafka, testTopics, type TestTopics } from '../src/testing.ts';

const logger = createLogger('transactional-test', 'silent');

describe('byRequestSize', () => {
  it('keeps order, every message once, and each request under the byte budget', () => {
    const msgs = Array.from({ length: 100 }, (_, i) => ({
      topic: i % 7 === 0 ? 'dlq' : 'scored',
      key: Buffer.from(`k${i}`),
      value: Buffer.alloc(100 + i),
    }));
    const requests = byRequestSize(msgs, 2_000);
    expect(requests.length).toBeGreaterThan(5);
    const flat = requests.flatMap((r) =>
      r.flatMap((t) => t.messages.map((m) => ({ topic: t.topic, key: (m.key as Buffer).toString() }))),
    );
    expect(flat.filter((m) => m.topic === 'scored').map((m) => m.key)).toEqual(
      msgs.filter((m) => m.topic === 'scored').map((m) => m.key.toString()),
    );
    expect(flat).toHaveLength(100);
    for (const r of requests) {
      const bytes = r.reduce(
        (s, t) => s + t.messages.reduce((a, m) => a + (m.key as Buffer).length + (m.value as Buffer).length + 64, 0),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(2_000);
    }
  });

  it('a single message bigger than the budget still goes, alone', () => {
    const requests = byRequestSize(
      [
        { topic: 't', key: null, value: Buffer.alloc(5_000) },
        { topic: 't', key: null, value: Buffer.alloc(10) },
      ],
      1_000,
    );
    expect(requests.map((r) => r[0]!.messages.length)).toEqual([1, 1]);
  });
});

describe('openPartitionTransactor on the real broker', () => {
  const kafka = testKafka('transactional-test');
  let topics: TestTopics;
  const open: PartitionTransactor[] = [];
  beforeAll(async () => {
    topics = await testTopics(kafka);
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close().catch(() => undefined)));
    await topics.cleanup();
  });

  const committedValues = async (topic: string): Promise<string[]> => {
    const seen: KafkaMessage[] = [];
    await readToEnd({
      kafka,
      topic,
      groupId: uniqueName('reader'),
      logger,
      timeoutMs: 30_000,
      onMessages: async (m) => void seen.push(...m),
    });
    return seen.map((m) => String(m.value));
  };

  const committedOffset = async (groupId: string, topic: string): Promise<string | undefined> => {
    const [res] = await topics.admin.fetchOffsets({ groupId, topics: [topic] });
    return res?.partitions.find((p) => p.partition === 0)?.offset;
  };

  it('commits the records (several requests) and the input offset together; a fenced owner commits none', async () => {
    const out = await topics.create(uniqueName('tx-out'), 1);
    const input = await topics.create(uniqueName('tx-in'), 1);
    const groupId = uniqueName('tx-group');
    const transactionalId = uniqueName('tx-id');
    const first = await openPartitionTransactor({ kafka, transactionalId, logger, maxRequestBytes: 300 });
    open.push(first);
    const messages = Array.from({ length: 10 }, (_, i) => ({ topic: out, key: null, value: Buffer.from(`v${i}`) }));
    await first.commit({ messages, offsets: { groupId, topic: input, partition: 0, next: 10n } });
    expect(await committedValues(out)).toEqual(messages.map((m) => String(m.value)));
    expect(await committedOffset(groupId, input)).toBe('10');

    // A second owner of the same id fences the first: its next Kafka transaction fails, is
    // aborted, and neither its records nor its offset become visible.
    const second = await openPartitionTransactor({ kafka, transactionalId, logger });
    open.push(second);
    await expect(
      first.commit({
        messages: [{ topic: out, key: null, value: Buffer.from('zombie') }],
        offsets: { groupId, topic: input, partition: 0, next: 11n },
      }),
    ).rejects.toThrow();
    await second.commit({
      messages: [{ topic: out, key: null, value: Buffer.from('owner') }],
      offsets: { groupId, topic: input, partition: 0, next: 11n },
    });
    expect(await committedValues(out)).toEqual([...messages.map((m) => String(m.value)), 'owner']);
    expect(await committedOffset(groupId, input)).toBe('11');
  });
});
