import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { Kafka, logLevel, producerConfig } from '@fraud/kafka';
import { testBrokers, testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import type { Codecs } from '@fraud/schemas';
import type { CaseStore } from './case-store.ts';
import { createCaseIngest } from './case-ingest.ts';

describe('the case ingest on the real broker', () => {
  const kafka = testKafka('web-case-ingest');
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await testTopics(kafka);
  });
  afterAll(async () => topics.cleanup());

  it('tells onDeath when kafkajs gives up on its consumer (the console then exits for a restart)', async () => {
    const topic = await topics.create(uniqueName('web-cases'), 1);
    const producer = kafka.producer(producerConfig('idempotent'));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: 'a flagged decision' }] });
    await producer.disconnect();
    // Decodes every record as a REVIEW; the case database fails on every insert.
    const codecs = { scored: { decode: async () => ({ decision: 'REVIEW' }) } } as unknown as Codecs;
    const ingested: unknown[] = [];
    const cases = {
      ingest: async (records: unknown[]) => {
        ingested.push(...records);
        throw new Error('database is locked');
      },
    } as unknown as CaseStore;
    // A client that does not restart a crashed consumer, as kafkajs does once its retries are spent.
    const fragile = new Kafka({
      clientId: 'web-case-ingest-death',
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    const deaths: unknown[] = [];
    const ingest = createCaseIngest({
      kafka: fragile,
      codecs,
      topic,
      groupId: uniqueName('web-cases'),
      fromBeginning: true,
      cases,
      logger: createLogger('web-case-ingest-test', 'silent'),
      onDeath: (err) => deaths.push(err),
    });
    await ingest.start();
    try {
      await waitFor(() => deaths.length > 0, { timeoutMs: 30_000, what: 'onDeath after the ingest consumer crashed' });
      expect(ingested.length).toBeGreaterThan(0);
      expect(deaths).toHaveLength(1);
      expect(String((deaths[0] as Error).message)).toMatch(/database is locked|retries/i);
    } finally {
      await ingest.stop();
    }
  });
});
