import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueName } from '@fraud/common/testing';
import { coordinatorLookups, forgetCoordinators, REMEMBER_MS } from '../src/index.ts';
import { coordinatorGone } from '../src/coordinators.ts';
import { coordinatorLookupOn, testKafka, testTopics, type TestTopics } from '../src/testing.ts';

const require = createRequire(import.meta.url);
const Broker = require('kafkajs/src/broker/index.js') as { prototype: Record<string, unknown> };

describe('remembered coordinators (kafkajs asks before every transactional request)', () => {
  afterEach(() => void vi.useRealTimers());

  it('answers from memory, and asks again when forgotten, disconnected or old', async () => {
    const broker = { connected: true, isConnected: () => broker.connected };
    const { find, calls } = coordinatorLookupOn(broker);
    const args = { groupId: uniqueName('txn'), coordinatorType: 1 };
    expect(await find(args)).toBe(broker);
    expect(await find(args)).toBe(broker);
    expect(calls.n).toBe(1);
    // Another id, or the same id as a group rather than a transaction, is another question.
    await find({ groupId: args.groupId, coordinatorType: 0 });
    expect(calls.n).toBe(2);

    forgetCoordinators();
    await find(args);
    expect(calls.n).toBe(3);

    broker.connected = false;
    await find(args);
    expect(calls.n).toBe(4);
    broker.connected = true;
    await find(args);
    expect(calls.n).toBe(4);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + REMEMBER_MS + 1);
    await find(args);
    expect(calls.n).toBe(5);
  });

  it('forgets everything when a request only a coordinator serves says the coordinator moved', async () => {
    const broker = { isConnected: () => true };
    const { find, calls } = coordinatorLookupOn(broker);
    const args = { groupId: uniqueName('txn'), coordinatorType: 1 };
    await find(args);
    await find(args);
    expect(calls.n).toBe(1);
    // kafkajs's endTxn on a broker whose request fails (as NOT_COORDINATOR would).
    const endTxn = Broker.prototype.endTxn as (this: object, a: object) => Promise<unknown>;
    const failure = {
      message: 'Another operation on the same transaction is ongoing',
      type: 'CONCURRENT_TRANSACTIONS',
    };
    const failing = {
      lookupRequest: () => {
        throw Object.assign(new Error(failure.message), { type: failure.type });
      },
    };
    // The same coordinator's answer: still remembered.
    await expect(endTxn.call(failing, {})).rejects.toThrow(/ongoing/);
    await find(args);
    expect(calls.n).toBe(1);
    Object.assign(failure, { message: 'This is not the correct coordinator', type: 'NOT_COORDINATOR_FOR_GROUP' });
    await expect(endTxn.call(failing, {})).rejects.toThrow(/not the correct coordinator/);
    await find(args);
    expect(calls.n).toBe(2);
    await find(args);
    expect(calls.n).toBe(2);
    const timeout = Object.assign(new Error('Request EndTxn timed out'), { name: 'KafkaJSRequestTimeoutError' });
    expect(coordinatorGone(timeout)).toBe(true);
    expect(coordinatorGone(new Error('x'))).toBe(false);
  });

  describe('on the broker', () => {
    let topics: TestTopics;
    beforeAll(async () => void (topics = await testTopics()));
    afterAll(async () => topics.cleanup());

    it('a transactional producer asks for its coordinators once, not four times a transaction', async () => {
      const topic = await topics.create(uniqueName('coord'), 1);
      const kafka = testKafka('coordinators-test');
      const producer = kafka.producer({
        transactionalId: uniqueName('coord-tx'),
        idempotent: true,
        maxInFlightRequests: 1,
      });
      const group = uniqueName('coord-group');
      const asked: string[] = [];
      producer.on(producer.events.REQUEST, (e) => void asked.push(e.payload.apiName));
      await producer.connect();
      const before = coordinatorLookups();
      try {
        for (let i = 0; i < 8; i++) {
          const tx = await producer.transaction();
          await tx.send({ topic, messages: [{ value: `m${i}` }] });
          await tx.sendOffsets({
            consumerGroupId: group,
            topics: [{ topic, partitions: [{ partition: 0, offset: String(i) }] }],
          });
          await tx.commit();
        }
      } finally {
        await producer.disconnect();
      }
      // Per transaction: AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn each went out.
      expect(asked.filter((a) => a === 'EndTxn')).toHaveLength(8);
      expect(asked.filter((a) => a === 'TxnOffsetCommit')).toHaveLength(8);
      // Without the memory kafkajs sends 4 lookups per transaction (32). With it: the transaction
      // coordinator and the consumer group's, once each.
      const lookups = asked.filter((a) => a === 'GroupCoordinator').length;
      expect(lookups).toBeGreaterThanOrEqual(1);
      expect(lookups).toBeLessThanOrEqual(3);
      const after = coordinatorLookups();
      expect(after.remembered - before.remembered).toBeGreaterThanOrEqual(20);
    });
  });
});
