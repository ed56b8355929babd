import type { Server } from 'node:http';
import type { Kafka, Producer } from '@fraud/kafka';
import { errorMessage, type Logger } from '@fraud/common';
import type { Codecs, Topics } from '@fraud/schemas';
import { DEFAULT_COSTS, FEATURE_NAMES, FEATURE_SET, type Costs, type TrainInput, type TrainResult } from '@fraud/model';
import { createIngest, type Ingest } from '../kafka/ingest.ts';
import { kafkaUpdateSink, watchModelUpdates, type ModelUpdatesView } from '../kafka/model-updates.ts';
import { publishRetrainPolicy, watchControlTopic, type ControlWatcher } from '../kafka/control.ts';
import { createPolicyManager, type PolicyManager } from '../policy/manager.ts';
import { watchPolicyFile, type PolicyFileWatcher } from '../policy/file-watcher.ts';
import { validateRetrainPolicy } from '../policy/schema.ts';
import { createMonitor } from '../run/monitor.ts';
import { sourceFromUpdate, type ModelSource } from '../run/model-source.ts';
import { createModelPublisher } from '../run/publisher.ts';
import { createRegistryOps, type RegistryOps } from '../run/registry-ops.ts';
import type { RunProgress, ThresholdChooser } from '../run/retrain-run.ts';
import { openStore, type Store } from '../store/index.ts';
import { createHttpApp, listen } from './http.ts';
import { createRetrainerMetrics } from './metrics.ts';
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
  const featureSet = o.featureSet ?? FEATURE_SET;
  const featureNames = o.featureNames ?? FEATURE_NAMES;
  const store = await openStore(o.dbPath);
  const manager = createPolicyManager({
    registry: store.registry,
    logger: o.logger,
    initial: validateRetrainPolicy(o.initialPolicy ?? {}),
  });
  const producer: Producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const models = watchModelUpdates({
    kafka: o.kafka,
    codecs: o.codecs,
    topics: o.topics,
    logger: o.logger,
    groupPrefix: `${o.groupId}-models`,
  });
  const sourceCache = new Map<string, ModelSource>();
  const asSource = (u: ReturnType<ModelUpdatesView['champion']>): ModelSource | null => {
    if (!u) return null;
    const key = `${u.version}:${u.sha256}:${u.role}`;
    let s = sourceCache.get(key);
    if (!s) {
      try {
        s = sourceFromUpdate(u);
      } catch (err: unknown) {
        o.logger.error({ err: errorMessage(err), version: u.version }, 'model update unusable for evaluation');
        return null;
      }
      sourceCache.set(key, s);
    }
    return s;
  };
  const publisher = createModelPublisher({
    sink: kafkaUpdateSink({ producer, codecs: o.codecs, topics: o.topics }),
    registry: store.registry,
  });
  const live = () => ({ champion: models.champion()?.version ?? null, shadow: models.shadow()?.version ?? null });
  const ops = createRegistryOps({ registry: store.registry, artifactsDir: o.artifactsDir, publisher, live });
  let metrics: ReturnType<typeof createRetrainerMetrics> | undefined;
  const scheduler = createScheduler({
    runDeps: {
      store,
      artifactsDir: o.artifactsDir,
      publisher,
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
    manager,
    monitor: createMonitor({ training: store.training, featureSet, featureNames }),
    shadow: () => asSource(models.shadow()),
    logger: o.logger,
    tickMs: o.tickMs,
    ...(o.now ? { now: o.now } : {}),
    onRun: (run) => {
      metrics?.runs.inc({ status: run.status });
      if (run.finishedAt !== null) metrics?.runSeconds.observe((run.finishedAt - run.startedAt) / 1000);
      if (run.role) metrics?.publications.inc({ role: run.role, action: run.role === 'SHADOW' ? 'shadow' : 'promote' });
    },
  });
  metrics = createRetrainerMetrics({ training: store.training, status: scheduler.status, live });
  manager.onChange((_p, edit) => metrics?.policyEdits.inc({ source: edit.source, accepted: 'true' }));
  const ingest: Ingest = createIngest({
    kafka: o.kafka,
    codecs: o.codecs,
    topics: o.topics,
    groupId: o.groupId,
    store: store.training,
    producer,
    logger: o.logger,
  });
  const control: ControlWatcher = watchControlTopic({
    kafka: o.kafka,
    topics: o.topics,
    manager,
    logger: o.logger,
    groupPrefix: `${o.groupId}-control`,
  });
  const fileWatcher: PolicyFileWatcher | undefined = o.policyFile
    ? watchPolicyFile({ path: o.policyFile, manager, logger: o.logger })
    : undefined;
  let ready = false;
  let server: Server | undefined;
  const app = createHttpApp({
    store,
    manager,
    ops,
    scheduler,
    metrics,
    logger: o.logger,
    ready: () => ready,
    publishPolicy: (p) => publishRetrainPolicy(producer, o.topics, p),
  });

  const port = (): number => {
    const a = server?.address();
    return typeof a === 'object' && a !== null ? a.port : o.port;
  };
  return {
    store,
    manager,
    scheduler,
    models,
    ops,
    port,
    async start() {
      server = await listen(app, o.port, o.host);
      await producer.connect();
      if (fileWatcher) {
        const r = await fileWatcher.load();
        if (r && !r.accepted)
          o.logger.warn({ file: o.policyFile }, 'policy file refused at start-up; defaults in force');
        fileWatcher.start();
      }
      await control.start();
      await models.start();
      await models.caughtUp();
      await ingest.start();
      scheduler.start();
      ready = true;
      o.logger.info({ port: port(), champion: models.champion()?.version ?? null }, 'retrainer started');
    },
    async stop() {
      ready = false;
      fileWatcher?.stop();
      await scheduler.stop();
      await ingest.stop();
      await control.stop();
      await models.stop();
      await producer.disconnect();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      store.db.close();
    },
  };
}
