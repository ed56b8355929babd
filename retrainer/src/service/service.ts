import type { Server } from 'node:http';
import { producerConfig, type Kafka, type Producer } from '@fraud/kafka';
import { errorMessage, type Logger } from '@fraud/common';
import type { Codecs, Topics } from '@fraud/schemas';
import { DEFAULT_COSTS, FEATURE_NAMES, FEATURE_SET, type Costs, type TrainInput, type TrainResult } from '@fraud/model';
import { createIngest, type Ingest } from '../kafka/ingest.ts';
import { kafkaUpdateSink, watchModelUpdates, type ModelUpdatesView } from '../kafka/model-updates.ts';
import {
  publishDefaultPolicyIfAbsent,
  publishRetrainPolicy,
  watchControlTopic,
  type ControlWatcher,
} from '../kafka/control.ts';
import { createPolicyManager, type PolicyManager } from '../policy/manager.ts';
import { watchPolicyFile, type PolicyFileWatcher } from '../policy/file-watcher.ts';
import { validateRetrainPolicy } from '../policy/schema.ts';
import { createMonitor } from '../run/monitor.ts';
import { sourceFromUpdate, type ModelSource } from '../run/model-source.ts';
import { createModelPublisher, type ModelPublisher } from '../run/publisher.ts';
import { createRegistryOps, type RegistryOps } from '../run/registry-ops.ts';
import type { RunProgress, ThresholdChooser } from '../run/retrain-run.ts';
import { openStore, type Store } from '../store/index.ts';
import type { RunRecord } from '../store/registry-store.ts';
import { createHttpApp, listen } from './http.ts';
import { createRetrainerMetrics, type RetrainerMetrics } from './metrics.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';

export interface RetrainerServiceOptions {
  kafka: Kafka;
  codecs: Codecs;
  topics: Topics;
  dbPath: string;
  artifactsDir: string;
  groupId: string;
  port: number;
  host: string;
  tickMs: number;
  logger: Logger;
  /** Defaults: the toolkit's FEATURE_SET / FEATURE_NAMES / DEFAULT_COSTS / expected-cost thresholds. */
  featureSet?: string;
  featureNames?: readonly string[];
  costs?: Costs;
  chooseThresholds?: ThresholdChooser;
  policyFile?: string;
  /** Policy before the file and the control topic are read (tests). */
  initialPolicy?: unknown;
  train?: (input: TrainInput) => Promise<TrainResult>;
  onProgress?: (p: RunProgress) => void;
  /** The clock of the triggers and run records; Date.now by default (a benchmark's simulated time). */
  now?: () => number;
  /** Called when kafkajs gives up on the ingest consumer (a crash it will not restart from). */
  onConsumerDeath?: (err: unknown) => void;
}

export interface RetrainerService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly store: Store;
  readonly manager: PolicyManager;
  readonly scheduler: Scheduler;
  readonly models: ModelUpdatesView;
  readonly ops: RegistryOps;
  /** Bound port (useful with port 0). */
  port(): number;
}

/** Wires the retrainer: store, policy sources, Kafka ingest, model-updates, scheduler, HTTP API. */
export async function createRetrainerService(o: RetrainerServiceOptions): Promise<RetrainerService> {
  const store = await openStore(o.dbPath);
  const manager = createPolicyManager({
    registry: store.registry,
    logger: o.logger,
    initial: validateRetrainPolicy(o.initialPolicy ?? {}),
  });
  const producer: Producer = o.kafka.producer(producerConfig('idempotent'));
  const models = watchModelUpdates({ ...topicWatcher(o, 'models'), codecs: o.codecs });
  const publisher = createModelPublisher({
    sink: kafkaUpdateSink({ producer, codecs: o.codecs, topics: o.topics }),
    registry: store.registry,
  });
  const live = () => ({ champion: models.champion()?.version ?? null, shadow: models.shadow()?.version ?? null });
  const ops = createRegistryOps({ registry: store.registry, artifactsDir: o.artifactsDir, publisher, live });
  let metrics: RetrainerMetrics | undefined;
  const scheduler = createRunScheduler(o, { store, manager, models, publisher }, (run) => recordRun(metrics, run));
  metrics = createRetrainerMetrics({ training: store.training, status: scheduler.status, live });
  const counted = metrics;
  manager.onChange((_p, edit) => counted.policyEdits.inc({ source: edit.source, accepted: 'true' }));
  const inputs = watchInputs(o, { store, manager, producer });
  const state: ServiceState = { ready: false, server: undefined };
  const app = createHttpApp({
    store,
    manager,
    ops,
    scheduler,
    metrics,
    logger: o.logger,
    ready: () => state.ready,
    publishPolicy: (p) => publishRetrainPolicy(producer, o.topics, p),
  });
  const parts = { app, store, producer, models, scheduler, manager, ...inputs };
  return { store, manager, scheduler, models, ops, ...createLifecycle(o, parts, state) };
}

/**
 * Model updates as ModelSources for evaluation, one per version, sha256 and role; an update that
 * cannot be evaluated is logged and treated as no model.
 */
function createSourceCache(logger: Logger): (u: ReturnType<ModelUpdatesView['champion']>) => ModelSource | null {
  const sourceCache = new Map<string, ModelSource>();
  return (u) => {
    if (!u) return null;
    const key = `${u.version}:${u.sha256}:${u.role}`;
    let s = sourceCache.get(key);
    if (!s) {
      try {
        s = sourceFromUpdate(u);
      } catch (err: unknown) {
        logger.error({ err: errorMessage(err), version: u.version }, 'model update unusable for evaluation');
        return null;
      }
      sourceCache.set(key, s);
    }
    return s;
  };
}

/** The scheduler and what its runs need: the store, the policy, the models in force, the publisher. */
function createRunScheduler(
  o: RetrainerServiceOptions,
  deps: { store: Store; manager: PolicyManager; models: ModelUpdatesView; publisher: ModelPublisher },
  onRun: (run: RunRecord) => void,
): Scheduler {
  const { store, models } = deps;
  const featureSet = o.featureSet ?? FEATURE_SET;
  const featureNames = o.featureNames ?? FEATURE_NAMES;
  const asSource = createSourceCache(o.logger);
  return createScheduler({
    runDeps: {
      store,
      artifactsDir: o.artifactsDir,
      publisher: deps.publisher,
      champion: () => asSource(models.champion()),
      featureSet,
      featureNames,
      costs: o.costs ?? DEFAULT_COSTS,
      ...(o.chooseThresholds ? { chooseThresholds: o.chooseThresholds } : {}),
      logger: o.logger,
      ...(o.train ? { train: o.train } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.now ? { now: o.now } : {}),
    },
    manager: deps.manager,
    monitor: createMonitor({ training: store.training, featureSet, featureNames }),
    shadow: () => asSource(models.shadow()),
    logger: o.logger,
    tickMs: o.tickMs,
    ...(o.now ? { now: o.now } : {}),
    onRun,
  });
}

function recordRun(metrics: RetrainerMetrics | undefined, run: RunRecord): void {
  metrics?.runs.inc({ status: run.status });
  if (run.finishedAt !== null) metrics?.runSeconds.observe((run.finishedAt - run.startedAt) / 1000);
  if (run.role) metrics?.publications.inc({ role: run.role, action: run.role === 'SHADOW' ? 'shadow' : 'promote' });
}

/** What each topic watcher of the service takes: the cluster, the topics, the logger and its own group prefix. */
function topicWatcher(o: RetrainerServiceOptions, name: string) {
  return { kafka: o.kafka, topics: o.topics, logger: o.logger, groupPrefix: `${o.groupId}-${name}` };
}

/** What the retrainer reads: scored records and labels, the control topic, the policy file. */
function watchInputs(
  o: RetrainerServiceOptions,
  deps: { store: Store; manager: PolicyManager; producer: Producer },
): { ingest: Ingest; control: ControlWatcher; fileWatcher: PolicyFileWatcher | undefined } {
  const ingest = createIngest({
    kafka: o.kafka,
    codecs: o.codecs,
    topics: o.topics,
    groupId: o.groupId,
    store: deps.store.training,
    producer: deps.producer,
    logger: o.logger,
    onConsumerDeath: o.onConsumerDeath,
  });
  const control = watchControlTopic({ ...topicWatcher(o, 'control'), manager: deps.manager });
  const fileWatcher = o.policyFile
    ? watchPolicyFile({ path: o.policyFile, manager: deps.manager, logger: o.logger })
    : undefined;
  return { ingest, control, fileWatcher };
}

interface ServiceState {
  ready: boolean;
  server: Server | undefined;
}

interface ServiceParts {
  app: ReturnType<typeof createHttpApp>;
  store: Store;
  producer: Producer;
  models: ModelUpdatesView;
  scheduler: Scheduler;
  manager: PolicyManager;
  ingest: Ingest;
  control: ControlWatcher;
  fileWatcher: PolicyFileWatcher | undefined;
}

/**
 * Start: HTTP first (health answers "starting"), then the policy sources (the default published
 * on the control topic when it holds none), model-updates read to its end, ingest, the scheduler;
 * ready last. Stop in the reverse order.
 */
function createLifecycle(
  o: RetrainerServiceOptions,
  p: ServiceParts,
  state: ServiceState,
): Pick<RetrainerService, 'start' | 'stop' | 'port'> {
  const port = (): number => {
    const a = state.server?.address();
    return typeof a === 'object' && a !== null ? a.port : o.port;
  };
  return {
    port,
    async start() {
      state.server = await listen(p.app, o.port, o.host);
      await p.producer.connect();
      if (p.fileWatcher) {
        const r = await p.fileWatcher.load();
        if (r && !r.accepted)
          o.logger.warn({ file: o.policyFile }, 'policy file refused at start-up; defaults in force');
        p.fileWatcher.start();
      }
      await p.control.start();
      const control = { watcher: p.control, producer: p.producer, manager: p.manager, logger: o.logger };
      await publishDefaultPolicyIfAbsent({ ...control, topics: o.topics });
      await p.models.start();
      await p.models.caughtUp();
      await p.ingest.start();
      p.scheduler.start();
      state.ready = true;
      o.logger.info({ port: port(), champion: p.models.champion()?.version ?? null }, 'retrainer started');
    },
    async stop() {
      state.ready = false;
      p.fileWatcher?.stop();
      await p.scheduler.stop();
      await p.ingest.stop();
      await p.control.stop();
      await p.models.stop();
      await p.producer.disconnect();
      const server = state.server;
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      p.store.db.close();
    },
  };
}
