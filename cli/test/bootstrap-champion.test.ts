import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, kafkaEnvSchema, parseEnv } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { FEATURE_NAMES, FEATURE_SET } from '@fraud/model';
import { createCodecs, topicNames, type ModelUpdate } from '@fraud/schemas';
import { hasChampion } from '../src/start/bootstrap-model.ts';

const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

/** What `fraud start` decides about the champion already on model-updates (real broker and registry). */
describe('fraud start: is there a champion the scorer can serve?', () => {
  const prefix = `${uniqueName('start-champ')}.`;
  const topics = topicNames(prefix);
  const kafka = testKafka(uniqueName('start-champ'));
  let admin: TestTopics;
  const env = parseEnv(kafkaEnvSchema, {
    KAFKA_BROKERS: '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: REGISTRY,
    TOPIC_PREFIX: prefix,
  });
  const logger = createLogger('start-champ-test', 'warn');

  beforeAll(async () => {
    admin = await testTopics(kafka);
    await admin.create(topics.modelUpdates, 1, { 'cleanup.policy': 'compact' });
  });
  afterAll(async () => admin?.cleanup());

  const publish = async (featureSet: string, version: string) => {
    const codecs = await createCodecs({ registryUrl: REGISTRY, topics });
    const update: ModelUpdate = {
      version,
      role: 'CHAMPION',
      createdAt: Date.now(),
      onnx: Buffer.from([1]),
      uri: null,
      sha256: 'ab'.repeat(32),
      featureSet,
      reviewThreshold: 0.5,
      blockThreshold: 0.9,
      metadataJson: JSON.stringify({ version, featureSet, featureNames: [...FEATURE_NAMES] }),
      modelJson: null,
    };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.modelUpdates,
      messages: [{ key: 'champion', value: codecs.modelUpdate.encode(update) }],
    });
    await producer.disconnect();
  };

  it('none on the topic: bootstrap; a retired fs-v1 champion: bootstrap, saying why; a current one: kept', async () => {
    const said: string[] = [];
    expect(await hasChampion(env, logger, (s) => said.push(s))).toBe(false);
    expect(said).toEqual([]);

    await publish('fs-v1', 'old-v1');
    expect(await hasChampion(env, logger, (s) => said.push(s))).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/champion old-v1 .*fs-v1.*retired.*training a new bootstrap model/);

    await publish(FEATURE_SET, 'new-v2');
    expect(await hasChampion(env, logger, (s) => said.push(s))).toBe(true);
    expect(said).toHaveLength(1);
  });
});
