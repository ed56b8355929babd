import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Kafka } from '@fraud/kafka';
import { waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { createCodecs, topicNames, type Codecs, type Topics } from '@fraud/schemas';

export const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

export interface PrefixedTopics {
  prefix: string;
  topics: Topics;
  codecs: Codecs;
  admin: Admin;
  cleanup(): Promise<void>;
}

/**
 * A unique TOPIC_PREFIX with its transactions and labels topics created (3 partitions each,
 * leaders elected) and the codecs registered. On a loaded machine the broker may answer
 * metadata requests for a new topic with UNKNOWN_TOPIC_OR_PARTITION for a while: wait it out.
 */
export async function prefixedTopics(kafka: Kafka, name: string): Promise<PrefixedTopics> {
  const admin = kafka.admin();
  await admin.connect();
  const prefix = `${uniqueName(name)}-`;
  const topics = topicNames(prefix);
  const names = [topics.transactions, topics.labels];
  await admin.createTopics({
    waitForLeaders: false,
    topics: names.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
  });
  await waitFor(
    async () => {
      const meta = await admin.fetchTopicMetadata({ topics: names });
      return meta.topics.every((t) => t.partitions.length === 3 && t.partitions.every((p) => p.leader >= 0));
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `leaders for ${names.join(', ')}` },
  );
  const codecs = await createCodecs({ registryUrl: REGISTRY_URL, topics });
  return {
    prefix,
    topics,
    codecs,
    admin,
    async cleanup() {
      await admin.deleteTopics({ topics: names }).catch((err: unknown) => console.warn('topic cleanup failed', err));
      await admin.disconnect();
    },
  };
}

export interface ReadBack<T> {
  values: T[];
  byPartition: Map<number, T[]>;
}

/**
 * Reads a topic from the beginning with a fresh group until `expected` records arrived, decoding
 * each with `decode`; then checks the high watermarks so duplicates would not go unnoticed.
 */
export async function readBack<T>(
  kafka: Kafka,
  topic: string,
  expected: number,
  decode: (b: Buffer) => Promise<T>,
  timeoutMs = 180_000,
): Promise<ReadBack<T>> {
  const consumer = kafka.consumer({
    groupId: uniqueName('producers-readback'),
    maxBytes: 10 << 20,
    sessionTimeout: 60_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
  });
  // Keyed by position: a rebalance on a slow machine may redeliver a batch, never count it twice.
  const seen = new Map<string, { partition: number; offset: bigint; value: T }>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          seen.set(`${batch.partition}:${m.offset}`, {
            partition: batch.partition,
            offset: BigInt(m.offset),
            value: await decode(m.value!),
          });
        }
      },
    });
    await waitFor(() => seen.size >= expected, {
      timeoutMs,
      what: `${expected} records on ${topic} (have ${seen.size})`,
    });
  } finally {
    await consumer.disconnect();
  }
  const ordered = [...seen.values()].sort(
    (a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
  );
  const values = ordered.map((r) => r.value);
  const byPartition = new Map<number, T[]>();
  for (const r of ordered) {
    const list = byPartition.get(r.partition) ?? [];
    list.push(r.value);
    byPartition.set(r.partition, list);
  }
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const onTopic = offsets.reduce((a, o) => a + Number(o.high) - Number(o.low), 0);
  if (onTopic !== values.length) throw new Error(`${topic} holds ${onTopic} records, read ${values.length}`);
  return { values, byPartition };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `fraud ARGS` (bin/fraud.mjs) in a child process on the topics under prefix, from cwd. */
export function runFraudCli(args: readonly string[], prefix: string, cwd: string): Promise<CliRun> {
  return new Promise<CliRun>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/fraud.mjs'), ...args], {
      env: { ...process.env, TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: REGISTRY_URL, LOG_LEVEL: 'error' },
      cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
