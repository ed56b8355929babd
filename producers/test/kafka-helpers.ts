import type { Kafka } from 'kafkajs';
import { waitFor } from '@fraud/common';
import { testTopics, uniqueName, type TestTopics } from '@fraud/common/testing';
import { createCodecs, topicNames, type Codecs, type Topics } from '@fraud/schemas';

export const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

/** A unique TOPIC_PREFIX with its transactions and labels topics created, and codecs registered. */
export async function prefixedTopics(kafka: Kafka, name: string): Promise<{ prefix: string; topics: Topics; codecs: Codecs; admin: TestTopics }> {
  const admin = await testTopics(kafka);
  const prefix = `${uniqueName(name)}-`;
  const topics = topicNames(prefix);
  await admin.create(topics.transactions, 3);
  await admin.create(topics.labels, 3);
  const codecs = await createCodecs({ registryUrl: REGISTRY_URL, topics });
  return { prefix, topics, codecs, admin };
}

export interface ReadBack<T> {
  values: T[];
  byPartition: Map<number, T[]>;
}

/**
 * Reads a topic from the beginning with a fresh group until `expected` records arrived, decoding
 * each with `decode`; then checks the high watermarks so duplicates would not go unnoticed.
 */
export async function readBack<T>(kafka: Kafka, topic: string, expected: number, decode: (b: Buffer) => Promise<T>, timeoutMs = 60_000): Promise<ReadBack<T>> {
  const consumer = kafka.consumer({ groupId: uniqueName('producers-readback'), maxBytes: 10 << 20 });
  const values: T[] = [];
  const byPartition = new Map<number, T[]>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v = await decode(m.value!);
          values.push(v);
          byPartition.set(batch.partition, [...(byPartition.get(batch.partition) ?? []), v]);
        }
      },
    });
    await waitFor(() => values.length >= expected, { timeoutMs, what: `${expected} records on ${topic} (have ${values.length})` });
  } finally {
    await consumer.disconnect();
  }
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const onTopic = offsets.reduce((a, o) => a + Number(o.high) - Number(o.low), 0);
  if (onTopic !== values.length) throw new Error(`${topic} holds ${onTopic} records, read ${values.length}`);
  return { values, byPartition };
}
