import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes } from '@fraud/kafka';
import { waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';

/**
 * Evidence for the pinned broker version: every Kafka API the project uses, through kafkajs,
 * against the real broker. If a broker upgrade breaks kafkajs, this is the test that says so.
 */
describe('kafkajs against the pinned Apache Kafka broker', () => {
  const kafka = testKafka('compat');
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await testTopics(kafka);
  });
  afterAll(async () => topics.cleanup());

  it('produces (idempotent, gzip) and consumes in a group', async () => {
    const topic = await topics.create(uniqueName('compat-plain'), 3);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 17}`, value: `v${i}` }));
    await producer.send({ topic, messages, compression: CompressionTypes.GZIP, acks: -1 });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('compat-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    await waitFor(() => seen.size === 300, { timeoutMs: 20_000, what: '300 messages' });
    await consumer.disconnect();
    expect(seen.has('v0') && seen.has('v299')).toBe(true);
  });

  it('transactions with sendOffsets are exactly-once for read_committed consumers; aborts stay invisible', async () => {
    const input = await topics.create(uniqueName('compat-in'), 2);
    const output = await topics.create(uniqueName('compat-out'), 2);
    const groupId = uniqueName('compat-eos');
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({
      topic: input,
      messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `in${i}` })),
    });
    await plain.disconnect();

    const txProducer = kafka.producer({
      transactionalId: uniqueName('compat-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await txProducer.connect();
    // An aborted transaction: its records must never reach a read_committed consumer.
    const aborted = await txProducer.transaction();
    await aborted.send({ topic: output, messages: [{ key: 'x', value: 'ABORTED' }] });
    await aborted.abort();

    const consumer = kafka.consumer({ groupId, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const tx = await txProducer.transaction();
        try {
          await tx.send({
            topic: output,
            messages: batch.messages.map((m) => ({ key: m.key, value: `out:${String(m.value)}` })),
          });
          const last = batch.messages[batch.messages.length - 1]!;
          await tx.sendOffsets({
            consumerGroupId: groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }],
              },
            ],
          });
          await tx.commit();
          processed += batch.messages.length;
        } catch (err: unknown) {
          await tx.abort();
          throw err;
        }
      },
    });
    await waitFor(() => processed === 50, { timeoutMs: 20_000, what: '50 processed in transactions' });
    await consumer.disconnect();
    await txProducer.disconnect();

    const reader = kafka.consumer({ groupId: uniqueName('compat-rc'), readUncommitted: false });
    await reader.connect();
    await reader.subscribe({ topic: output, fromBeginning: true });
    const out: string[] = [];
    await reader.run({ eachMessage: async ({ message }) => void out.push(String(message.value)) });
    await waitFor(() => out.length >= 50, { timeoutMs: 20_000, what: '50 committed outputs' });
    await reader.disconnect();
    expect(out).not.toContain('ABORTED');
    expect(new Set(out).size).toBe(50);

    const admin = topics.admin;
    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    const committed = offsets[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
    expect(committed).toBe(50);
  });

  it('admin: create, describe configs, list offsets, delete', async () => {
    const topic = await topics.create(uniqueName('compat-admin'), 1, { 'cleanup.policy': 'compact' });
    const cfg = await topics.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }],
    });
    expect(cfg.resources[0]!.configEntries[0]!.configValue).toBe('compact');
    const offs = await topics.admin.fetchTopicOffsets(topic);
    expect(offs[0]!.high).toBe('0');
  });
});
