import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { FraudError, createMetricsRegistry, errorMessage, type Logger } from '@fraud/common';
import { createDestinationView, type Artifact, type DestinationView } from '@fraud/model';
import { topicNames, type Transaction } from '@fraud/schemas';
import { artifactToUpdate } from './bootstrap.ts';
import type { ScorerEnv } from './env.ts';
import { awaitViewCaughtUp, startDestViewFeed } from './dest-view.ts';
import { startScorerLoop, type ScorerLoop } from './eos-loop.ts';
import { startModelFeed, startPolicyFeed, type Feed } from './feeds.ts';
import { createScorerMetrics, type ScorerMetrics } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import { loadModelUpdate } from './model-loader.ts';
import { createModelManager, type ModelManager } from './model-manager.ts';
import type { FeatureModule, ScorerCodecs, ServingModelFactory, TransactionValidator } from './ports.ts';

export interface ScorerServiceDeps<S> {
  env: ScorerEnv;
  kafka: Kafka;
  codecs: ScorerCodecs;
  /** The feature module whose partition states share this instance's destination view. */
  features: (view: DestinationView) => FeatureModule<S>;
  createServing: ServingModelFactory;
  validate: TransactionValidator;
  readArtifact: (dir: string) => Promise<Artifact>;
  logger: Logger;
  registry?: Registry;
  /** Distinguishes this process's private readers (model-updates, control). */
  instanceId?: string;
}

export interface ScorerService {
  loop: ScorerLoop;
  models: ModelManager;
  metrics: ScorerMetrics;
  registry: Registry;
  metricsPort: number;
  stop(): Promise<void>;
}

/** Synthetic, plausible transactions: the rows of every model's smoke prediction. */
const SMOKE_TXS: Transaction[] = (['TRANSFER', 'CASH_OUT', 'PAYMENT'] as const).map((type, i) => ({
  txId: `smoke-${i}`,
  eventTime: Date.UTC(2024, 0, 1, 12, i),
  type,
  amount: 10_000 * (i + 1),
  currency: 'USD',
  originAccount: 'C-smoke',
  originBalanceBefore: 50_000,
  destAccount: i === 2 ? 'M-smoke' : 'C-smoke-dest',
  destBalanceBefore: 0,
  channel: null,
  attributes: {},
}));

/**
 * Starts one scorer instance: checks topics, loads the champion (model-updates, else the
 * bootstrap artifact), follows the live policy, runs the exactly-once loop, serves /metrics.
 */
export async function startScorer<S>(deps: ScorerServiceDeps<S>): Promise<ScorerService> {
  const { env, kafka, logger } = deps;
  const topics = topicNames(env.TOPIC_PREFIX);
  const instanceId = deps.instanceId ?? randomUUID().slice(0, 8);
  const registry = deps.registry ?? createMetricsRegistry('scorer');
  const metrics = createScorerMetrics(registry);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse())
      await s().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'stop step failed'));
  };

  try {
    const admin = kafka.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const numPartitions = await checkTopics(admin, topics);
    const view = createDestinationView();
    const features = deps.features(view);
    const smokeRows = features.compute(SMOKE_TXS, features.scratchState());
    const load = (u: Parameters<typeof loadModelUpdate>[0]) =>
      loadModelUpdate(u, {
        createServing: deps.createServing,
        featureSet: features.featureSet,
        featureNames: features.featureNames,
        smokeRows,
      });
    const models = createModelManager({ load, metrics, logger });
    stops.push(() => models.close());

    const modelFeed: Feed = await startModelFeed({
      kafka,
      topic: topics.modelUpdates,
      groupId: `${env.SCORER_GROUP_ID}-models-${instanceId}`,
      decode: (b) => deps.codecs.modelUpdate.decode(b),
      manager: models,
      metrics,
      logger,
      timeoutMs: env.SCORER_STARTUP_TIMEOUT_MS,
    });
    stops.push(() => modelFeed.stop());
    if (!models.current()) await bootstrapChampion(deps, models, topics.modelUpdates);

    const policy = await startPolicyFeed({
      kafka,
      topic: topics.control,
      groupId: `${env.SCORER_GROUP_ID}-control-${instanceId}`,
      logger,
      timeoutMs: env.SCORER_STARTUP_TIMEOUT_MS,
    });
    stops.push(() => policy.stop());

    // The global destination view: read every partition's recent history before scoring.
    const viewStarted = Date.now();
    const viewFeed = await startDestViewFeed({
      kafka,
      topic: topics.transactions,
      groupId: `${env.SCORER_GROUP_ID}-destview-${instanceId}`,
      view,
      decode: (b) => deps.codecs.transaction.decode(b),
      validate: deps.validate,
      lookbackMs: env.SCORER_DEST_VIEW_LOOKBACK_MS,
      metrics,
      logger,
    });
    stops.push(() => viewFeed.stop());
    await awaitViewCaughtUp(viewFeed, env.SCORER_RESTORE_TIMEOUT_MS, 'SCORER_RESTORE_TIMEOUT_MS');
    logger.info({ ...view.size(), ms: Date.now() - viewStarted }, 'destination view caught up');

    const loop = await startScorerLoop({
      kafka,
      admin,
      topics,
      codecs: deps.codecs,
      features,
      validate: deps.validate,
      models,
      policy: () => policy.current(),
      metrics,
      logger,
      awaitView: (eventTime, appendedBy) => viewFeed.waitFor(eventTime, env.SCORER_DEST_VIEW_WAIT_MS, appendedBy),
      config: {
        groupId: env.SCORER_GROUP_ID,
        appId: env.SCORER_APP_ID ?? env.SCORER_GROUP_ID,
        maxBatch: env.SCORER_MAX_BATCH,
        maxBytesPerPartition: env.SCORER_MAX_BYTES_PER_PARTITION,
        maxWaitTimeInMs: env.SCORER_FETCH_MAX_WAIT_MS,
        partitionsConcurrently: env.SCORER_PARTITIONS_CONCURRENTLY,
        explainTopK: env.SCORER_EXPLAIN_TOP_K,
        dedupeWindow: env.SCORER_DEDUPE_WINDOW,
        restoreTimeoutMs: env.SCORER_RESTORE_TIMEOUT_MS,
        sessionTimeoutMs: env.SCORER_SESSION_TIMEOUT_MS,
      },
    });
    stops.push(() => loop.stop());

    let crashed = false;
    loop.consumer.on(loop.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) crashed = true;
      logger.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'scorer consumer crashed');
    });
    const server = await startMetricsServer(
      registry,
      env.SCORER_METRICS_PORT,
      env.SCORER_METRICS_HOST,
      () => !crashed && viewFeed.healthy(),
    );
    stops.push(() => server.close());
    logger.info(
      {
        group: env.SCORER_GROUP_ID,
        partitions: numPartitions,
        metricsPort: server.port,
        champion: models.current()?.champion.version,
      },
      'scorer started',
    );
    return { loop, models, metrics, registry, metricsPort: server.port, stop: stopAll };
  } catch (err: unknown) {
    await stopAll();
    throw err;
  }
}

async function checkTopics(
  admin: Parameters<typeof startScorerLoop>[0]['admin'],
  topics: ReturnType<typeof topicNames>,
): Promise<number> {
  const needed = [topics.transactions, topics.scored, topics.dlq, topics.modelUpdates, topics.control];
  const existing = new Set(await admin.listTopics());
  const missing = needed.filter((t) => !existing.has(t));
  if (missing.length) {
    throw new FraudError(
      'CONFIG_INVALID',
      `missing topic(s) ${missing.join(', ')}: create them with \`fraud infra topics\` (or check TOPIC_PREFIX)`,
    );
  }
  const meta = await admin.fetchTopicMetadata({ topics: [topics.transactions, topics.scored] });
  const count = (name: string) => meta.topics.find((t) => t.name === name)?.partitions.length ?? 0;
  const inputs = count(topics.transactions);
  if (count(topics.scored) < inputs) {
    throw new FraudError(
      'CONFIG_INVALID',
      `${topics.scored} has ${count(topics.scored)} partitions, fewer than ${topics.transactions} (${inputs}); they must be co-partitioned`,
    );
  }
  return inputs;
}

async function bootstrapChampion<S>(deps: ScorerServiceDeps<S>, models: ModelManager, topic: string): Promise<void> {
  const dir = deps.env.MODEL_BOOTSTRAP_DIR;
  if (!dir) {
    throw new FraudError(
      'CONFIG_INVALID',
      `no champion model on ${topic} and MODEL_BOOTSTRAP_DIR is not set: train one with \`fraud model train\` and set MODEL_BOOTSTRAP_DIR=model-artifacts/<version>`,
    );
  }
  const update = artifactToUpdate(await deps.readArtifact(dir), dir);
  if (!(await models.offer(update))) {
    throw new FraudError(
      'MODEL_INVALID',
      `the bootstrap model in ${dir} was refused (see the log above); retrain it with \`fraud model train\``,
    );
  }
  deps.logger.info({ dir, version: update.version }, 'serving the bootstrap model (no champion on model-updates)');
}
