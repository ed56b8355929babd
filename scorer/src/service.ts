import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { FraudError, createMetricsRegistry, errorMessage, type Logger } from '@fraud/common';
import {
  entityEventsTopicConfig,
  producerConfig,
  readOwners,
  snapshotTopicConfig,
  startMetricsServer,
  watchConsumerDeath,
  type Admin,
  type Kafka,
} from '@fraud/kafka';
import type { Artifact } from '@fraud/model';
import { topicNames, type Topics } from '@fraud/schemas';
import { artifactToUpdate } from './bootstrap.ts';
import type { ScorerEnv } from './env.ts';
import { startScorerLoop, type ScorerLoop } from './eos/loop.ts';
import { startModelFeed, startPolicyFeed } from './feeds.ts';
import { createScorerMetrics, type ScorerMetrics } from './metrics.ts';
import { loadModelUpdate } from './model-loader.ts';
import { createModelManager, type ModelManager } from './model-manager.ts';
import type { CompiledPolicy } from './policy.ts';
import type { ScorerCodecs, ServingModelFactory, TransactionValidator } from './ports.ts';
import { specsOf } from './score-chunk.ts';
import { createSpecCatalog, type SpecCatalog, type SpecContext, type SpecWiring } from './spec-catalog.ts';
import { createSyncDecider, type SyncDecider } from './sync/decider.ts';
import { createEntityGather, type EntityGather } from './entity/gather.ts';
import { createEntityOwners, type EntityOwners } from './entity/owner.ts';
import { createEntityWriter, type EntityWriter } from './entity/writer.ts';
import { startRepartition, type CopyPlan } from './entity/repartition.ts';
import { startDecideServer, type DecideServer } from './sync/server.ts';

export interface ScorerServiceDeps {
  env: ScorerEnv;
  kafka: Kafka;
  codecs: ScorerCodecs;
  /** How a model's feature spec is compiled and its views fed in this instance (spec-wiring.ts). */
  specWiring: (ctx: SpecContext) => SpecWiring;
  createServing: ServingModelFactory;
  validate: TransactionValidator;
  readArtifact: (dir: string) => Promise<Artifact>;
  logger: Logger;
  registry?: Registry;
  /** Distinguishes this process's private readers (model-updates, control). */
  instanceId?: string;
  /** The one wall clock of the loop, the scoring and the destination view; Date.now when omitted. */
  now?: () => number;
  /** Awaited after each fetch of scored[p] during a restore (instrumentation; tests throttle with it). */
  onRestoreFetch?: (partition: number, records: number) => Promise<void>;
}

export interface ScorerService {
  loop: ScorerLoop;
  models: ModelManager;
  metrics: ScorerMetrics;
  registry: Registry;
  metricsPort: number;
  /** The decide endpoint's URL (advertised in the group), or null when SCORER_DECIDE_ENABLED=false. */
  decideUrl: string | null;
  stop(): Promise<void>;
}

/** What start-up steps share: the deps, names, metrics, and the stops of what has started so far. */
interface Startup {
  deps: ScorerServiceDeps;
  topics: Topics;
  instanceId: string;
  registry: Registry;
  metrics: ScorerMetrics;
  now: () => number;
  /** Stops, in start order; run in reverse. */
  stops: Array<() => Promise<void>>;
}

/**
 * Starts one scorer instance: checks topics, loads the champion (model-updates, else the
 * bootstrap artifact), follows the live policy, reads the destination view's history, runs the
 * exactly-once loop, serves /metrics. Anything that fails stops what already started.
 */
export async function startScorer(deps: ScorerServiceDeps): Promise<ScorerService> {
  const registry = deps.registry ?? createMetricsRegistry('scorer');
  const up: Startup = {
    deps,
    topics: topicNames(deps.env.TOPIC_PREFIX),
    instanceId: deps.instanceId ?? randomUUID().slice(0, 8),
    registry,
    metrics: createScorerMetrics(registry),
    now: deps.now ?? Date.now,
    stops: [],
  };
  const stop = () => stopAll(up);
  try {
    const admin = await connectAdmin(up);
    const numPartitions = await checkTopics(admin, up.topics);
    if (deps.env.SCORER_SNAPSHOT_INTERVAL_MS > 0)
      await ensureSnapshotTopic(admin, up.topics, numPartitions, deps.logger);
    const entity = deps.env.SCORER_ENTITY_STATE === 'partitioned' ? await startEntity(up, admin, numPartitions) : null;
    const specs = startSpecs(up, entity ?? undefined);
    const models = await startModels(up, specs);
    if (entity) await startRepartitionStage(up, entity, models);
    const policy = await startPolicyFeed({
      kafka: deps.kafka,
      topic: up.topics.control,
      groupId: `${deps.env.SCORER_GROUP_ID}-control-${up.instanceId}`,
      logger: deps.logger,
      timeoutMs: deps.env.SCORER_STARTUP_TIMEOUT_MS,
    });
    up.stops.push(() => policy.stop());
    let decider: SyncDecider | null = null;
    const decide = await startDecide(up, () => decider, entity?.owners);
    const loopParts = { admin, models, policy: () => policy.current(), entity: entity ?? undefined };
    const loop = await startLoop(up, loopParts, decide?.url);
    if (decide && deps.env.SCORER_DECIDE_ENABLED)
      decider = await startDecider(up, { loop, models, policy: () => policy.current(), numPartitions });
    const metricsPort = await serveMetrics(up, loop, specs, entity);
    deps.logger.info(
      {
        group: deps.env.SCORER_GROUP_ID,
        partitions: numPartitions,
        metricsPort,
        champion: models.current()?.champion.version,
        specs: specs.running(),
        decideUrl: decide?.url ?? null,
      },
      'scorer started',
    );
    return { loop, models, metrics: up.metrics, registry, metricsPort, decideUrl: decide?.url ?? null, stop };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
}

async function stopAll(up: Startup): Promise<void> {
  for (const s of up.stops.splice(0).reverse())
    await s().catch((err: unknown) => up.deps.logger.warn({ err: errorMessage(err) }, 'stop step failed'));
}

async function connectAdmin(up: Startup): Promise<Admin> {
  const admin = up.deps.kafka.admin();
  await admin.connect();
  up.stops.push(() => admin.disconnect());
  return admin;
}

/** What the spec views and the scoring loop both read from: the broker, topics, codecs, metrics. */
function pipeParts(up: Startup) {
  const { deps } = up;
  return {
    kafka: deps.kafka,
    topics: up.topics,
    codecs: deps.codecs,
    validate: deps.validate,
    metrics: up.metrics,
    logger: deps.logger,
    now: up.now,
  };
}

interface EntityParts {
  owners: EntityOwners;
  gather: EntityGather;
  writer: EntityWriter;
  /** False once the repartition stage's consumer crashed for good. */
  stageHealthy: () => boolean;
}

/**
 * Partitioned entity state (docs/scorer.md): the entity-events topic (created when missing), this
 * instance's owners of the entity partitions it will be assigned, its lookups at the others', and
 * the idempotent producer of the chunks' copies.
 */
async function startEntity(up: Startup, admin: Admin, partitions: number): Promise<EntityParts> {
  const { deps, topics } = up;
  await ensureEntityTopic(admin, topics, partitions, deps.logger);
  const owners = createEntityOwners({
    kafka: deps.kafka,
    admin,
    transactions: topics.transactions,
    entityEvents: topics.entityEvents,
    partitions,
    groupId: repartitionGroup(deps.env),
    groupPrefix: `${deps.env.SCORER_GROUP_ID}-${up.instanceId}`,
    decode: (b) => deps.codecs.transaction.decode(b),
    validate: deps.validate,
    lookbackMs: deps.env.SCORER_DEST_VIEW_LOOKBACK_MS,
    metrics: up.metrics,
    logger: deps.logger,
    now: up.now,
  });
  up.stops.push(() => owners.stop());
  up.metrics.states.viewsFrom(() => owners.views());
  const gather = createEntityGather({
    owners,
    partitions,
    readOwners: () => readOwners(admin, deps.env.SCORER_GROUP_ID, topics.transactions),
    metrics: up.metrics,
    logger: deps.logger,
  });
  up.stops.push(async () => gather.stop());
  const producer = deps.kafka.producer(producerConfig('idempotent', { allowAutoTopicCreation: false }));
  await producer.connect();
  up.stops.push(() => producer.disconnect());
  const writer = createEntityWriter({ producer, topic: topics.entityEvents, partitions });
  return { owners, gather, writer, stageHealthy: () => true };
}

/** The repartition stage's consumer group: one for all instances of a scorer group. */
const repartitionGroup = (env: ScorerEnv): string => `${env.SCORER_GROUP_ID}-entity-copies`;

/**
 * The repartition stage: copies of the payments of the `transactions` partitions this instance is
 * assigned in the stage's own group, for the entity fields of the specs in force now.
 */
async function startRepartitionStage(up: Startup, entity: EntityParts, models: ModelManager): Promise<void> {
  const { deps } = up;
  const copyPlan = (): CopyPlan => {
    const pair = models.current();
    const specs = pair === null ? [] : specsOf(pair).filter((f) => f.entityCopies !== undefined);
    const fields = [...new Set(specs.flatMap((f) => f.entityFields ?? []))].sort();
    if (specs.length <= 1) return { fields, copiesOf: (tx) => specs[0]?.entityCopies!(tx) ?? [] };
    return {
      fields,
      copiesOf(tx) {
        const out = new Map<string, { field: string; key: string }>();
        for (const f of specs) for (const c of f.entityCopies!(tx)) out.set(`${c.field}\u0000${c.key}`, c);
        return [...out.values()];
      },
    };
  };
  const stage = await startRepartition({
    kafka: deps.kafka,
    topic: up.topics.transactions,
    groupId: repartitionGroup(deps.env),
    writer: entity.writer,
    decode: (b) => deps.codecs.transaction.decode(b),
    validate: deps.validate,
    copyPlan,
    local: entity.owners,
    metrics: up.metrics,
    logger: deps.logger,
    now: up.now,
    sessionTimeoutMs: deps.env.SCORER_SESSION_TIMEOUT_MS,
  });
  up.stops.push(() => stage.stop());
  entity.stageHealthy = () => stage.healthy();
}

/** The feature specs of the models in force: their views start when a model needs them. */
function startSpecs(up: Startup, entity?: EntityParts): SpecCatalog {
  const { deps } = up;
  const wiring = deps.specWiring({
    env: deps.env,
    ...pipeParts(up),
    groupPrefix: `${deps.env.SCORER_GROUP_ID}-${up.instanceId}`,
    entity,
  });
  const catalog = createSpecCatalog({ wiring, logger: deps.logger });
  up.stops.push(() => catalog.close());
  return catalog;
}

/** The model manager, fed by model-updates; the bootstrap artifact when that holds no champion. */
async function startModels(up: Startup, specs: SpecCatalog): Promise<ModelManager> {
  const { deps, metrics } = up;
  const load = (u: Parameters<typeof loadModelUpdate>[0]) =>
    loadModelUpdate(u, {
      createServing: deps.createServing,
      specFor: (update) => specs.acquire(update),
      releaseSpec: (f) => specs.release(f),
    });
  const models = createModelManager({ load, metrics, logger: deps.logger, releaseSpec: (f) => specs.release(f) });
  up.stops.push(() => models.close());
  const feed = await startModelFeed({
    kafka: deps.kafka,
    topic: up.topics.modelUpdates,
    groupId: `${deps.env.SCORER_GROUP_ID}-models-${up.instanceId}`,
    decode: (b) => deps.codecs.modelUpdate.decode(b),
    manager: models,
    metrics,
    logger: deps.logger,
    timeoutMs: deps.env.SCORER_STARTUP_TIMEOUT_MS,
  });
  up.stops.push(() => feed.stop());
  if (!models.current()) await bootstrapChampion(deps, models, up.topics.modelUpdates);
  return models;
}

interface LoopParts {
  admin: Admin;
  models: ModelManager;
  policy: () => CompiledPolicy;
  entity?: EntityParts;
}

/**
 * The decide endpoint (and, with partitioned entity state, the entity lookups), listening before
 * the loop joins the group (its URL goes in the member userData).
 */
async function startDecide(
  up: Startup,
  decider: () => SyncDecider | null,
  owners?: EntityOwners,
): Promise<DecideServer | null> {
  const { env, logger } = up.deps;
  if (!env.SCORER_DECIDE_ENABLED && owners === undefined) return null;
  const server = await startDecideServer({
    host: env.SCORER_DECIDE_HOST,
    port: env.SCORER_DECIDE_PORT,
    advertisedHost: env.SCORER_DECIDE_ADVERTISED_HOST,
    decider,
    decideEnabled: env.SCORER_DECIDE_ENABLED,
    lookup: owners ? (req) => owners.lookup(req) : undefined,
    logger,
  });
  up.stops.push(() => server.close());
  return server;
}

/** The synchronous path: the loop's partition tasks, the models, and an idempotent producer to `transactions`. */
async function startDecider(
  up: Startup,
  parts: Pick<LoopParts, 'models' | 'policy'> & { loop: ScorerLoop; numPartitions: number },
): Promise<SyncDecider> {
  const { deps, topics } = up;
  const producer = deps.kafka.producer(producerConfig('idempotent', { allowAutoTopicCreation: false }));
  await producer.connect();
  up.stops.push(() => producer.disconnect());
  const decider = createSyncDecider({
    tasks: parts.loop.tasks,
    models: parts.models,
    policy: parts.policy,
    validate: deps.validate,
    explainTopK: deps.env.SCORER_EXPLAIN_TOP_K,
    now: up.now,
    partitions: parts.numPartitions,
    viewStaleAfterMs: deps.env.SCORER_DEST_VIEW_WAIT_MS,
    encodeTransaction: (tx) => deps.codecs.transaction.encode(tx),
    encodeScored: (s) => deps.codecs.scored.encode(s),
    write: async (records) => {
      await producer.send({ topic: topics.transactions, acks: -1, messages: records });
    },
    metrics: up.metrics,
    logger: deps.logger,
    afterWrite: deps.env.SCORER_FAULT_CRASH_AFTER_DECIDE_WRITE
      ? () => {
          deps.logger.warn('SCORER_FAULT_CRASH_AFTER_DECIDE_WRITE: killing this process between write and answer');
          process.kill(process.pid, 'SIGKILL');
        }
      : undefined,
  });
  // Stops run in reverse: the decider drains its last group before the producer disconnects.
  up.stops.push(() => decider.close());
  return decider;
}

async function startLoop(up: Startup, parts: LoopParts, decideUrl?: string): Promise<ScorerLoop> {
  const { deps } = up;
  const { env } = deps;
  const loop = await startScorerLoop({
    ...parts,
    entity: parts.entity ? { owners: parts.entity.owners } : undefined,
    specs: () => {
      const pair = parts.models.current();
      return pair === null ? [] : specsOf(pair);
    },
    ...pipeParts(up),
    onRestoreFetch: deps.onRestoreFetch,
    config: {
      groupId: env.SCORER_GROUP_ID,
      appId: env.SCORER_APP_ID ?? env.SCORER_GROUP_ID,
      maxChunk: env.SCORER_MAX_BATCH,
      maxBytesPerPartition: env.SCORER_MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: env.SCORER_FETCH_MAX_WAIT_MS,
      minBytes: env.SCORER_FETCH_MIN_BYTES,
      partitionsConcurrently: env.SCORER_PARTITIONS_CONCURRENTLY,
      explainTopK: env.SCORER_EXPLAIN_TOP_K,
      dedupeWindow: env.SCORER_DEDUPE_WINDOW,
      restoreTimeoutMs: env.SCORER_RESTORE_TIMEOUT_MS,
      sessionTimeoutMs: env.SCORER_SESSION_TIMEOUT_MS,
      decisionMemory: env.SCORER_DECISION_MEMORY,
      snapshotIntervalMs: env.SCORER_SNAPSHOT_INTERVAL_MS,
      snapshotMinRecords: env.SCORER_SNAPSHOT_MIN_RECORDS,
      decideUrl,
    },
  });
  up.stops.push(() => loop.stop());
  return loop;
}

/** /metrics and /healthz; unhealthy once the scoring consumer or a spec's view feed crashed for good. */
async function serveMetrics(
  up: Startup,
  loop: ScorerLoop,
  specs: SpecCatalog,
  entity: EntityParts | null,
): Promise<number> {
  const { env, logger } = up.deps;
  loop.consumer.on(loop.consumer.events.CRASH, (e) => {
    logger.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'scorer consumer crashed');
  });
  const dead = watchConsumerDeath(loop.consumer);
  const server = await startMetricsServer({
    registry: up.registry,
    port: env.SCORER_METRICS_PORT,
    host: env.SCORER_METRICS_HOST,
    healthy: () => !dead() && specs.healthy() && (entity?.stageHealthy() ?? true),
  });
  up.stops.push(() => server.close());
  return server.port;
}

async function checkTopics(admin: Admin, topics: Topics): Promise<number> {
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
      `${topics.scored} has ${count(topics.scored)} partitions, fewer than ${topics.transactions} (${inputs}); they ` +
        `must be co-partitioned`,
    );
  }
  return inputs;
}

interface InternalTopic {
  topic: string;
  configEntries: ReadonlyArray<{ name: string; value: string }>;
  /** 'equal': exactly the input's partition count; 'at-least': no fewer. */
  partitions: 'equal' | 'at-least';
  /** What the log says when it creates the topic. */
  what: string;
  /** What to do when the count does not fit (ends the start-up error). */
  remedy: string;
}

/**
 * An internal topic of the scorer co-partitioned with `transactions`, created when missing; one
 * whose partition count does not fit fails start-up, saying what to do.
 */
async function ensureInternalTopic(
  admin: Admin,
  t: InternalTopic,
  input: { topic: string; partitions: number },
  logger: Logger,
): Promise<void> {
  const { topic } = t;
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: input.partitions, configEntries: [...t.configEntries] }],
    });
    logger.info({ topic, partitions: input.partitions }, `created the ${t.what} topic`);
    return;
  }
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const have = meta.topics[0]?.partitions.length ?? 0;
  const fits = t.partitions === 'equal' ? have === input.partitions : have >= input.partitions;
  if (!fits) {
    const relation = t.partitions === 'equal' ? 'they must be equal' : 'it needs at least as many';
    throw new FraudError(
      'CONFIG_INVALID',
      `${topic} has ${have} partitions and ${input.topic} ${input.partitions} (${relation}): ${t.remedy}`,
    );
  }
}

/**
 * The entity-events topic, with as many partitions as `transactions` (the owner of
 * transactions[q] owns entity-events[q]).
 */
function ensureEntityTopic(admin: Admin, topics: Topics, partitions: number, logger: Logger): Promise<void> {
  const remedy = `recreate ${topics.entityEvents} with ${partitions}, or set SCORER_ENTITY_STATE=global`;
  const t = { topic: topics.entityEvents, configEntries: entityEventsTopicConfig, partitions: 'equal' as const };
  return ensureInternalTopic(
    admin,
    { ...t, what: 'entity-events', remedy },
    { topic: topics.transactions, partitions },
    logger,
  );
}

/** The compacted topic of the partition state snapshots (at least as many partitions as `transactions`). */
function ensureSnapshotTopic(admin: Admin, topics: Topics, partitions: number, logger: Logger): Promise<void> {
  const remedy = 'add partitions to it, or set SCORER_SNAPSHOT_INTERVAL_MS=0 to restore from scored alone';
  const t = { topic: topics.stateSnapshots, configEntries: snapshotTopicConfig, partitions: 'at-least' as const };
  return ensureInternalTopic(
    admin,
    { ...t, what: 'state snapshot', remedy },
    { topic: topics.transactions, partitions },
    logger,
  );
}

async function bootstrapChampion(deps: ScorerServiceDeps, models: ModelManager, topic: string): Promise<void> {
  const dir = deps.env.MODEL_BOOTSTRAP_DIR;
  if (!dir) {
    throw new FraudError(
      'CONFIG_INVALID',
      `no champion model on ${topic} and MODEL_BOOTSTRAP_DIR is not set: train one with \`fraud model train\` and ` +
        `set MODEL_BOOTSTRAP_DIR=model-artifacts/<version>`,
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
