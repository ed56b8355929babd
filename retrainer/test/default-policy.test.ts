import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readToEnd, type Producer } from '@fraud/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { CONTROL_KEYS, topicNames, type Topics } from '@fraud/schemas';
import { publishDefaultPolicyIfAbsent, publishRetrainPolicy, watchControlTopic } from '../src/kafka/control.ts';
import { createPolicyManager } from '../src/policy/manager.ts';
import { defaultRetrainPolicy } from '../src/policy/schema.ts';
import { openStore, type Store } from '../src/store/index.ts';

/**
 * The retrainer's start-up step "publish the default retrain policy when the control topic holds
 * none", on the real broker: a fresh topic gets the default; a restart after an analyst's edit
 * leaves the edit in force and on the topic.
 */
describe('default retrain policy on the control topic', () => {
  const kafka = testKafka(uniqueName('retrainer-default-policy'));
  const logger = createLogger('retrainer-default-policy-test', 'warn');
  let admin: TestTopics;
  let topics: Topics;
  let producer: Producer;
  const stores: Store[] = [];

  beforeAll(async () => {
    topics = topicNames(`${uniqueName('rdp')}.`);
    admin = await testTopics(kafka);
    await admin.create(topics.control, 1, { 'cleanup.policy': 'compact' });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.cleanup();
    for (const s of stores) s.db.close();
  });

  /** What one retrainer start does: a fresh manager and watcher, then the default step. */
  async function startOnce(): Promise<{ published: boolean; minNewLabels: number }> {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'rdp-')), 'retrainer.duckdb'));
    stores.push(store);
    const manager = createPolicyManager({ registry: store.registry, logger });
    const watcher = watchControlTopic({ kafka, topics, manager, logger, groupPrefix: uniqueName('rdp-control') });
    await watcher.start();
    try {
      const published = await publishDefaultPolicyIfAbsent({ watcher, producer, topics, manager, logger });
      return { published, minNewLabels: manager.current().minNewLabels };
    } finally {
      await watcher.stop();
    }
  }

  async function policyRecords(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    await readToEnd({
      kafka,
      topic: topics.control,
      groupId: uniqueName('rdp-reader'),
      logger,
      timeoutMs: 30_000,
      deleteGroupOnStop: true,
      onMessages: async (messages) => {
        for (const m of messages)
          if (m.key?.toString() === CONTROL_KEYS.retrainPolicy && m.value)
            out.push(JSON.parse(m.value.toString()) as Record<string, unknown>);
      },
    });
    return out;
  }

  it('publishes the default once on a fresh topic, never over an existing policy', async () => {
    const first = await startOnce();
    expect(first.published).toBe(true);
    const afterFirst = await policyRecords();
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]).toMatchObject({ minNewLabels: defaultRetrainPolicy().minNewLabels });

    // A restart with the default already there publishes nothing.
    expect((await startOnce()).published).toBe(false);
    expect(await policyRecords()).toHaveLength(1);

    // An analyst's edit survives a restart: applied, not overwritten.
    const edited = { ...defaultRetrainPolicy(), minNewLabels: 4321, updatedBy: 'console:alice' };
    await publishRetrainPolicy(producer, topics, edited);
    const restart = await startOnce();
    expect(restart).toEqual({ published: false, minNewLabels: 4321 });
    const records = await policyRecords();
    expect(records).toHaveLength(2);
    expect(records.at(-1)).toMatchObject({ minNewLabels: 4321, updatedBy: 'console:alice' });
  });
});
