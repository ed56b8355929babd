import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testBrokers } from '@fraud/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroDir } from '../scripts/avsc-files.ts';
import { createCodecs, createSchemaRegistryClient, topicNames, type Codecs, type Transaction } from '../src/index.ts';
import { startTestRegistry, type TestRegistry } from './helpers.ts';
import { sampleTransaction } from './samples.ts';

/**
 * Interop with clients nobody here wrote: Debian's python3-confluent-kafka and python3-avro
 * (confluent_kafka.avro AvroProducer / AvroConsumer) against our registry and codecs.
 * Debian's /usr/bin/python3 on purpose: `python3` on PATH may be another Python without them.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'interop', 'transaction_interop.py');
const run = promisify(execFile);

async function python(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(PYTHON, [SCRIPT, ...args], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

let reg: TestRegistry;
let codecs: Codecs;
const topics = topicNames(`${uniqueName('interop')}.`);
const bootstrap = testBrokers().join(',');

beforeAll(async () => {
  reg = await startTestRegistry('interop');
  await reg.topics.create(topics.transactions, 1);
  codecs = await createCodecs({ registryUrl: reg.url, topics });
});
afterAll(async () => {
  await reg?.cleanup();
});

describe('interop with confluent_kafka.avro (Python)', () => {
  it('a Transaction produced by AvroProducer decodes with the TypeScript codec', async () => {
    const topic = await reg.topics.create(uniqueName('interop-py2ts'), 1);
    const tx = sampleTransaction({
      txId: uniqueName('py'),
      type: 'TRANSFER',
      channel: 'USSD',
      attributes: { origin: 'python', ü: 'ß' },
      eventTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    });
    expect(
      await python([
        'produce',
        '--bootstrap',
        bootstrap,
        '--registry',
        reg.url,
        '--topic',
        topic,
        '--schema',
        join(avroDir(), 'Transaction.avsc'),
        '--value',
        JSON.stringify(tx),
      ]),
    ).toEqual({ ok: true });

    const consumer = reg.kafka.consumer({ groupId: uniqueName('interop-ts') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: Buffer[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) received.push(message.value);
      },
    });
    try {
      const [value] = await waitFor(() => (received.length ? received : null), {
        timeoutMs: 90_000,
        what: 'the record AvroProducer wrote',
      });
      const decoded = await codecs.transaction.decode(value!);
      expect(decoded).toEqual(tx);
      // AvroProducer registered its copy of the schema under <topic>-value and framed the
      // record with the id it got.
      const registered = await createSchemaRegistryClient({ url: reg.url }).version(`${topic}-value`, 'latest');
      expect(value!.readInt32BE(1)).toBe(registered.id);
      // python-avro writes the schema differently (it repeats namespaces, orders keys its own
      // way); the registry's canonical form still recognises it as the schema we registered.
      expect(registered.id).toBe(codecs.transaction.schemaId);
    } finally {
      await consumer.disconnect();
    }
  }, 240_000);

  it('a Transaction encoded by the TypeScript codec decodes with AvroConsumer', async () => {
    const tx: Transaction = sampleTransaction({
      txId: uniqueName('ts'),
      type: 'CASH_OUT',
      amount: 9_007_199_254,
      channel: null,
      attributes: { origin: 'typescript' },
    });
    const producer = reg.kafka.producer();
    await producer.connect();
    try {
      // No key: the old AvroConsumer Avro-decodes keys too, and our keys are plain strings
      // (a Python service would use DeserializingConsumer with a StringDeserializer for them).
      await producer.send({ topic: topics.transactions, messages: [{ value: codecs.transaction.encode(tx) }] });
    } finally {
      await producer.disconnect();
    }
    const out = await python([
      'consume',
      '--bootstrap',
      bootstrap,
      '--registry',
      reg.url,
      '--topic',
      topics.transactions,
      '--group',
      uniqueName('interop-py'),
      '--timeout',
      '90',
    ]);
    expect(out.value).toEqual(tx);
  }, 240_000);
});
