import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { topicNames } from '@fraud/schemas';
import { readToEnd, toDlqMessage, type DeadLetter, type KafkaMessage } from '@fraud/kafka';
import { REPO_ROOT } from './harness.ts';

const run = promisify(execFile);

// Each CLI start loads the whole `fraud` program (all commands): slow on a busy machine.
describe('fraud dlq inspect | replay (the real CLI against the real broker)', { timeout: 300_000 }, () => {
  const kafka = testKafka('dlq-cli');
  const prefix = `${uniqueName('dlqcli')}.`;
  const t = topicNames(prefix);
  let topics: TestTopics;
  const env = { ...process.env, TOPIC_PREFIX: prefix, KAFKA_BROKERS: '127.0.0.1:9092' };
  const fraud = (...args: string[]) =>
    run(process.execPath, [join(REPO_ROOT, 'bin', 'fraud.mjs'), ...args], { env, cwd: REPO_ROOT });
  const letter = (i: number, code: string): DeadLetter => ({
    key: Buffer.from(`acct-${i}`),
    value: Buffer.from([0, 0, 0, 0, 9, i]),
    headers: { 'trace-id': `t${i}` },
    code,
    message: `bad record ${i}`,
    topic: t.transactions,
    partition: i % 2,
    offset: String(100 + i),
    timestamp: String(Date.UTC(2025, 0, 1) + i),
  });

  beforeAll(async () => {
    topics = await testTopics(kafka);
    await topics.create(t.dlq, 1);
    await topics.create(t.transactions, 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: t.dlq,
      messages: [letter(0, 'DECODE_WRONG_MAGIC'), letter(1, 'RECORD_INVALID'), letter(2, 'RECORD_INVALID')].map((d) =>
        toDlqMessage(d, 'scorer'),
      ),
    });
    await producer.disconnect();
  });
  afterAll(async () => topics.cleanup());

  it('inspect shows each dead letter with its reason and origin, filtered by reason', async () => {
    const all = await fraud('dlq', 'inspect');
    expect(all.stdout).toMatch(/0:0\s+DECODE_WRONG_MAGIC\s+\S+transactions\[0\]@100/);
    expect(all.stdout).toMatch(/3 record\(s\)/);
    const some = await fraud('dlq', 'inspect', '--reason', 'RECORD_INVALID', '--limit', '1');
    expect(some.stdout).toMatch(/0:1\s+RECORD_INVALID\s+\S+transactions\[1\]@101/);
    expect(some.stdout).not.toMatch(/DECODE_WRONG_MAGIC/);
    expect(some.stdout).toMatch(/1 record\(s\)/);
  });

  it('replay re-publishes the chosen records with their original key, bytes and headers', async () => {
    const out = await fraud('dlq', 'replay', '--offsets', '0:0,0:2');
    expect(out.stdout).toMatch(/re-published 2 record/);
    const got: KafkaMessage[] = [];
    await readToEnd({
      kafka,
      topic: t.transactions,
      groupId: uniqueName('dlq-read'),
      logger: createLogger('t', 'silent'),
      timeoutMs: 20_000,
      onMessages: async (m) => void got.push(...m),
    });
    expect(got.map((m) => m.key?.toString()).sort()).toEqual(['acct-0', 'acct-2']);
    for (const m of got) {
      const i = Number(m.key!.toString().slice(5));
      expect(m.value!.equals(Buffer.from([0, 0, 0, 0, 9, i]))).toBe(true);
      expect(m.headers?.['trace-id']?.toString()).toBe(`t${i}`);
      expect(Object.keys(m.headers ?? {}).some((k) => k.startsWith('dlq.'))).toBe(false);
      expect(m.headers?.['replayed-from']?.toString()).toBe(`${t.dlq}/0/${i}`);
    }
  });

  it('replay without a selection, or with a malformed or unknown position, says what to do', async () => {
    await expect(fraud('dlq', 'replay')).rejects.toMatchObject({
      stderr: expect.stringMatching(/exactly one of --offsets/) as string,
    });
    await expect(fraud('dlq', 'replay', '--offsets', 'zero')).rejects.toMatchObject({
      stderr: expect.stringMatching(/PARTITION:OFFSET/) as string,
    });
    await expect(fraud('dlq', 'replay', '--offsets', '0:99')).rejects.toMatchObject({
      stderr: expect.stringMatching(/not on .*0:99/) as string,
    });
  });
});
