import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { waitFor } from '@fraud/common';
import { createCodecs, topicNames, type Codecs, type Label } from '@fraud/schemas';
import type { Consumer, Producer } from '@fraud/kafka';
import { openDatabase, type Database } from '../db/database.ts';
import { createAuditLog } from '../db/audit.ts';
import { createCaseStore } from './case-store.ts';
import { buildAnalystLabel, createPublisher } from '../kafka/publisher.ts';
import { scoredFixture } from '../testing/fixtures.ts';

describe('analyst label payload', () => {
  it('is an ANALYST label keyed by the transaction, with author and trimmed note', () => {
    expect(buildAnalystLabel({ txId: 't1', isFraud: true, author: 'ann', note: '  mule pattern  ', now: 42 })).toEqual({
      txId: 't1',
      isFraud: true,
      source: 'ANALYST',
      labeledAt: 42,
      note: 'mule pattern',
      typology: null,
      author: 'ann',
    });
    expect(buildAnalystLabel({ txId: 't2', isFraud: false, author: 'ann', note: '   ', now: 1 }).note).toBeNull();
  });
});

describe('review cases with the real broker', () => {
  let topics: TestTopics;
  let db: Database;
  let codecs: Codecs;
  let producer: Producer;
  let consumer: Consumer;
  const kafka = testKafka('web-cases-test');
  const names = topicNames(`${uniqueName('webcases')}.`);
  const received: { key: string; label: Label }[] = [];

  beforeAll(async () => {
    topics = await testTopics(kafka);
    await topics.create(names.labels, 2);
    codecs = await createCodecs({
      registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
      topics: names,
    });
    db = await openDatabase(':memory:');
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = kafka.consumer({ groupId: uniqueName('web-cases-test') });
    await consumer.connect();
    await consumer.subscribe({ topic: names.labels, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void received.push({ key: message.key!.toString(), label: await codecs.label.decode(message.value!) }),
    });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    db?.close();
    await topics?.cleanup();
  });

  it('opens one case per REVIEW/BLOCK record, idempotently, and closes it with a Label on Kafka', async () => {
    const audit = createAuditLog(db);
    const cases = createCaseStore(db, audit);
    const publisher = createPublisher({ producer, codecs, topics: names });
    const records = [
      scoredFixture({ txId: 'tx-block' }),
      scoredFixture({ txId: 'tx-review', decision: 'REVIEW', score: 0.6 }),
      scoredFixture({ txId: 'tx-ok', decision: 'APPROVE', score: 0.01 }),
    ];
    expect(await cases.ingest(records)).toBe(2);
    expect(await cases.ingest(records)).toBe(0);
    expect((await cases.list({ status: 'ACTIVE' })).map((c) => c.txId)).toEqual(['tx-block', 'tx-review']);

    await cases.assign('tx-block', 'ann', 'ann');
    expect((await cases.get('tx-block'))?.status).toBe('ASSIGNED');
    const label = buildAnalystLabel({ txId: 'tx-block', isFraud: true, author: 'ann', note: 'account takeover' });
    await cases.close('tx-block', 'ann', label, publisher.label);

    const got = await waitFor(() => received.find((r) => r.key === 'tx-block'), {
      timeoutMs: 15_000,
      what: 'the label on Kafka',
    });
    expect(got.label).toEqual(label);
    const closed = await cases.get('tx-block');
    expect(closed).toMatchObject({ status: 'CLOSED', verdict: 'FRAUD', closedBy: 'ann', note: 'account takeover' });
    expect((await audit.forSubject('tx-block')).map((a) => a.action)).toEqual(['case.assign', 'case.verdict']);

    // A second verdict on a closed case is refused and publishes nothing.
    await expect(cases.close('tx-block', 'bob', { ...label, author: 'bob' }, publisher.label)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(cases.close('nope', 'bob', { ...label, txId: 'nope' }, publisher.label)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('keeps the case open and unaudited when Kafka refuses the label', async () => {
    const audit = createAuditLog(db);
    const cases = createCaseStore(db, audit);
    const label = buildAnalystLabel({ txId: 'tx-review', isFraud: false, author: 'ann', note: null });
    await expect(
      cases.close('tx-review', 'ann', label, async () => {
        throw new Error('broker down');
      }),
    ).rejects.toThrow('broker down');
    expect((await cases.get('tx-review'))?.status).toBe('OPEN');
    expect(await audit.forSubject('tx-review')).toEqual([]);
  });
});
