import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  envWith,
  kafkaEnvSchema,
  parseEnv,
  retry,
  scorerNodeOptions,
  waitFor,
  type Logger,
} from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import {
  entityEventsTopicConfig,
  readToEnd,
  snapshotTopicConfig,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from '@fraud/kafka';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import {
  createCodecs,
  topicNames,
  type Codecs,
  type ModelUpdate,
  type ScoredTransaction,
  type Topics,
  type Transaction,
} from '@fraud/schemas';
import { parseScorerEnv } from '../env.ts';
import { runScorer } from '../runtime.ts';
import type { ScorerService } from '../service.ts';

/** The repository's root (this file is scorer/src/testing/pipeline.ts): where bin/fraud.mjs lives. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The schema registry the tests' stack runs (the global setup starts it on :8081). */
export function testRegistryUrl(): string {
  return parseEnv(kafkaEnvSchema).SCHEMA_REGISTRY_URL;
}

/**
 * A private set of the pipeline's topics (unique prefix), codecs, and helpers to feed and read them:
 * the scorer's integration harness, shared with the tests of the API and the bad-input corpus.
 */
export interface Pipeline {
  prefix: string;
  topics: Topics;
  kafka: Kafka;
  codecs: Codecs;
  admin: TestTopics;
  groupId: string;
  env(extra?: Record<string, string>): Record<string, string>;
  startScorer(extra?: Record<string, string>): Promise<ScorerService>;
  spawnScorer(extra?: Record<string, string>): ChildProcess;
  publish(txs: readonly Transaction[]): Promise<void>;
  publishRaw(messages: Array<{ key: string; value: Buffer | null }>): Promise<void>;
  publishModel(update: ModelUpdate): Promise<void>;
  /** A tombstone on the shadow key of model-updates, as the retrainer writes to retire a shadow. */
  retireShadow(): Promise<void>;
  publishPolicy(policy: unknown): Promise<void>;
  /** Waits until the scorer group has committed `total` input offsets (all partitions). */
  waitConsumed(total: number, timeoutMs?: number): Promise<void>;
  readScored(): Promise<ScoredTransaction[]>;
  readDlq(): Promise<KafkaMessage[]>;
  cleanup(): Promise<void>;
}

export async function createPipeline(name: string, partitions = 3): Promise<Pipeline> {
  const prefix = `${uniqueName(name)}.`;
  const topics = topicNames(prefix);
  const kafka = testKafka(uniqueName(name));
  const admin = await testTopics(kafka);
  await createPipelineTopics(admin, topics, partitions);
  const registryUrl = testRegistryUrl();
  const codecs = await createCodecs({ registryUrl, topics });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const groupId = uniqueName(`${name}-scorer`);
  const logger = createLogger('scorer-test', 'warn');
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    KAFKA_BROKERS: '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: registryUrl,
    TOPIC_PREFIX: prefix,
    SCORER_GROUP_ID: groupId,
    SCORER_METRICS_PORT: '0',
    SCORER_METRICS_HOST: '127.0.0.1',
    SCORER_SESSION_TIMEOUT_MS: '6000',
    // The integration tests run the scale-out layout (the default is the global view): every
    // exactly-once, restore and kill test then covers the repartition stage and the lookups too.
    SCORER_ENTITY_STATE: 'partitioned',
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const scorers = scorerRunner(env, logger);
  const readAll = topicReader(kafka, logger);
  return {
    prefix,
    topics,
    kafka,
    codecs,
    admin,
    groupId,
    env,
    startScorer: scorers.start,
    spawnScorer: scorers.spawn,
    ...pipelineWriters(producer, codecs, topics),
    async waitConsumed(total, timeoutMs = 60_000) {
      await waitFor(async () => (await committedTotal(admin, groupId, topics.transactions)) >= total, {
        timeoutMs,
        what: `the scorer group to commit ${total} input offsets`,
      });
    },
    async readScored() {
      const raw = await readAll(topics.scored);
      return Promise.all(raw.map((m) => codecs.scored.decode(m.value!)));
    },
    readDlq: () => readAll(topics.dlq),
    async cleanup() {
      await scorers.stopAll();
      await producer.disconnect();
      await admin.cleanup();
    },
  };
}

async function createPipelineTopics(admin: TestTopics, topics: Topics, partitions: number): Promise<void> {
  // A loaded single broker sometimes answers the leader check before it hosts the new
  // partitions; that error is retriable, and a retry of an existing topic is a no-op.
  const create = (name: string, n: number, configs: Record<string, string> = {}) =>
    retry(() => admin.create(name, n, configs), { retries: 5, initialDelayMs: 200 });
  for (const t of [topics.transactions, topics.scored, topics.dlq]) await create(t, partitions);
  await create(topics.modelUpdates, 1, { 'cleanup.policy': 'compact', 'max.message.bytes': String(16 * 1024 * 1024) });
  await create(topics.control, 1, { 'cleanup.policy': 'compact' });
  await create(
    topics.stateSnapshots,
    partitions,
    Object.fromEntries(snapshotTopicConfig.map((c) => [c.name, c.value])),
  );
  await create(
    topics.entityEvents,
    partitions,
    Object.fromEntries(entityEventsTopicConfig.map((c) => [c.name, c.value])),
  );
}

/** Scorers in this process (runScorer) or as `fraud scorer` children, all stopped by stopAll. */
function scorerRunner(env: Pipeline['env'], logger: Logger) {
  const services: ScorerService[] = [];
  const children: ChildProcess[] = [];
  return {
    async start(extra: Record<string, string> = {}): Promise<ScorerService> {
      const svc = await runScorer(parseScorerEnv(env(extra)), logger);
      services.push(svc);
      return svc;
    },
    spawn(extra: Record<string, string> = {}): ChildProcess {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'fraud.mjs'), 'scorer'], {
        cwd: REPO_ROOT,
        env: envWith({ ...env(extra), OMP_WAIT_POLICY: 'passive', NODE_OPTIONS: scorerNodeOptions() }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[scorer ${child.pid}] ${d.toString()}`));
      children.push(child);
      return child;
    },
    async stopAll(): Promise<void> {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    },
  };
}

/** What tests write to the pipeline's input topics, encoded as the real producers do. */
function pipelineWriters(
  producer: Producer,
  codecs: Codecs,
  topics: Topics,
): Pick<Pipeline, 'publish' | 'publishRaw' | 'publishModel' | 'retireShadow' | 'publishPolicy'> {
  return {
    async publish(txs) {
      for (let i = 0; i < txs.length; i += 2_000) {
        const chunk = txs.slice(i, i + 2_000);
        await producer.send({
          topic: topics.transactions,
          messages: chunk.map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
        });
      }
    },
    async publishRaw(messages) {
      await producer.send({ topic: topics.transactions, messages });
    },
    async publishModel(update) {
      await producer.send({
        topic: topics.modelUpdates,
        messages: [{ key: update.role.toLowerCase(), value: codecs.modelUpdate.encode(update) }],
      });
    },
    async retireShadow() {
      await producer.send({ topic: topics.modelUpdates, messages: [{ key: 'shadow', value: null }] });
    },
    async publishPolicy(policy) {
      await producer.send({
        topic: topics.control,
        messages: [{ key: 'decision-policy', value: JSON.stringify(policy) }],
      });
    },
  };
}

/** Everything committed on a topic right now (read_committed, to the end offsets). */
function topicReader(kafka: Kafka, logger: Logger): (topic: string) => Promise<KafkaMessage[]> {
  return async (topic) => {
    const out: KafkaMessage[] = [];
    await readToEnd({
      kafka,
      topic,
      groupId: uniqueName('reader'),
      logger,
      timeoutMs: 180_000,
      onMessages: async (m) => void out.push(...m),
    });
    return out;
  };
}

/** Committed input offsets of a group, summed over partitions. */
export async function committedTotal(admin: TestTopics, groupId: string, topic: string): Promise<number> {
  const [res] = await admin.admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((s, x) => s + Math.max(0, Number(x.offset)), 0);
}
