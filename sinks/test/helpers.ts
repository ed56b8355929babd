import { createServer } from 'node:net';
import type { Admin, Kafka, Producer } from '@fraud/kafka';
import { parseEnv, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka } from '@fraud/kafka/testing';
import { createCodecs, topicNames, type Codecs, type Label, type ScoredTransaction, type Topics } from '@fraud/schemas';
import { sinkEnvSchema, type SinkEnv } from '../src/env.ts';

export const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

/**
 * A private slice of the pipeline on the real broker: unique topic prefix (so unique topics,
 * subjects and consumer groups), the real Avro codecs over the stack's schema registry, and an
 * idempotent producer. cleanup() deletes the topics.
 */
export interface PipelineSlice {
  prefix: string;
  topics: Topics;
  kafka: Kafka;
  codecs: Codecs;
  producer: Producer;
  admin: Admin;
  env(over?: Record<string, string>): SinkEnv;
  sendScored(records: ScoredTransaction[]): Promise<void>;
  sendLabels(records: Label[]): Promise<void>;
  sendRaw(topic: string, values: Buffer[]): Promise<void>;
  cleanup(): Promise<void>;
}

export async function pipelineSlice(tag: string, partitions = 3): Promise<PipelineSlice> {
  const prefix = `${uniqueName(tag)}.`;
  const topics = topicNames(prefix);
  const kafka = testKafka(uniqueName(`${tag}-client`));
  const admin = kafka.admin();
  await admin.connect();
  const plan = [
    { topic: topics.scored, numPartitions: partitions },
    { topic: topics.labels, numPartitions: partitions },
    { topic: topics.dlq, numPartitions: partitions },
    { topic: topics.modelUpdates, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
  ];
  // No waitForLeaders: on a loaded broker its metadata poll can fail with "does not host this
  // topic-partition" (not retried by kafkajs); poll offsets with our own deadline instead.
  await admin.createTopics({ topics: plan.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: false });
  for (const { topic: t, numPartitions } of plan) {
    await waitFor(async () => (await admin.fetchTopicOffsets(t)).length === numPartitions, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `topic ${t} to be served`,
    });
  }
  const codecs = await createCodecs({ registryUrl: REGISTRY_URL, topics });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const chunked = async (topic: string, messages: { key: string | null; value: Buffer }[]) => {
    for (let i = 0; i < messages.length; i += 2000)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2000) });
  };
  return {
    prefix,
    topics,
    kafka,
    codecs,
    producer,
    admin,
    env: (over = {}) =>
      parseEnv(sinkEnvSchema, {
        SCHEMA_REGISTRY_URL: REGISTRY_URL,
        TOPIC_PREFIX: prefix,
        WAREHOUSE_PORT: '0',
        METRICS_PORT: '0',
        LIVE_PORT: '0',
        ...over,
      }),
    sendScored: (records) =>
      chunked(
        topics.scored,
        records.map((r) => ({ key: r.transaction.originAccount, value: codecs.scored.encode(r) })),
      ),
    sendLabels: (records) =>
      chunked(
        topics.labels,
        records.map((r) => ({ key: r.txId, value: codecs.label.encode(r) })),
      ),
    sendRaw: (topic, values) =>
      chunked(
        topic,
        values.map((value) => ({ key: 'raw', value })),
      ),
    async cleanup() {
      await producer.disconnect();
      await admin
        .deleteTopics({ topics: plan.map((t) => t.topic) })
        .catch((err: unknown) => console.warn('topic cleanup failed', err));
      await admin.disconnect();
    },
  };
}

export interface DlqMessage {
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads `count` records from the DLQ topic (bounded by a deadline). */
export async function readDlq(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<DlqMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
  const got: DlqMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        got.push({ value: message.value, headers });
        if (got.length >= count) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise(
        (_, rej) =>
          (timer = setTimeout(
            () => rej(new Error(`DLQ: got ${got.length} of ${count} records in ${timeoutMs} ms`)),
            timeoutMs,
          )),
      ),
    ]);
    clearTimeout(timer);
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/** Committed offsets of a group equal the log-end offsets of a topic (nothing left behind). */
export async function caughtUp(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.every((e) => {
    const c = committed?.partitions.find((p) => p.partition === e.partition);
    return e.high === '0' ? true : c !== undefined && c.offset === e.high;
  });
}

/** A TCP port free right now on 127.0.0.1 (for child processes that need a fixed port). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
