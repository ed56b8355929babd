import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { producerConfig, type Producer } from '@fraud/kafka';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { createCodecs, topicNames, type Codecs, type ModelUpdate, type Topics } from '@fraud/schemas';
import { sampleModelUpdate } from '@fraud/schemas/testing';
import { watchModelUpdates, type ModelUpdatesView } from '../src/kafka/model-updates.ts';

const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

const update = (version: string): ModelUpdate => sampleModelUpdate({ version, createdAt: Date.now() });

/**
 * model-updates written in Kafka transactions: the last offset of the partition is a commit
 * marker, never a message, so a reader that counts messages never reaches the end offset.
 */
describe('watchModelUpdates on a transactional topic', () => {
  const kafka = testKafka('retrainer-model-updates');
  let admin: TestTopics;
  let topics: Topics;
  let codecs: Codecs;
  let producer: Producer;
  let view: ModelUpdatesView | undefined;

  beforeAll(async () => {
    topics = topicNames(`${uniqueName('mu')}.`);
    admin = await testTopics(kafka);
    await admin.create(topics.modelUpdates, 1, { 'cleanup.policy': 'compact' });
    codecs = await createCodecs({ registryUrl: REGISTRY_URL, topics });
    producer = kafka.producer(producerConfig('transactional', { transactionalId: uniqueName('mu-tx') }));
    await producer.connect();
  });
  afterAll(async () => {
    await view?.stop();
    await producer?.disconnect();
    await admin?.cleanup();
  });

  it('catches up (the end is a commit marker) and holds the latest champion', async () => {
    for (const version of ['m-1', 'm-2']) {
      const tx = await producer.transaction();
      await tx.send({
        topic: topics.modelUpdates,
        messages: [{ key: 'champion', value: codecs.modelUpdate.encode(update(version)) }],
      });
      await tx.commit();
    }
    view = watchModelUpdates({ kafka, codecs, topics, logger: createLogger('mu-test', 'silent') });
    await view.start();
    await view.caughtUp(30_000);
    expect(view.champion()?.version).toBe('m-2');
    expect(view.shadow()).toBeNull();
  });
});
