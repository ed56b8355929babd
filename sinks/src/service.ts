import { resolve } from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { createKafka, producerConfig, type Producer } from '@fraud/kafka';
import { createMetricsRegistry, errorMessage, type Logger } from '@fraud/common';
import { createCodecs, topicNames } from '@fraud/schemas';
import { createBigQueryClient } from './bigquery-client.ts';
import type { SinkCodecs } from './codecs.ts';
import type { SinkEnv } from './env.ts';
import { createServiceServer } from './http/service-server.ts';
import type { BatchConsumer } from './kafka/batch-consumer.ts';
import type { SinkDeps } from './kafka/sink-consumer.ts';
import { createLiveFeed } from './live/feed-server.ts';
import { createLiveSink } from './live/sink.ts';
import { createLagExporter } from './metrics/lag-exporter.ts';
import { createMetricsSink } from './metrics/sink.ts';
import { createBigQueryStore } from './warehouse/bigquery-store.ts';
import { createDuckDbStore } from './warehouse/duckdb-store.ts';
import { createQueryRouter } from './warehouse/query-api.ts';
import { createBacktestRouter } from './warehouse/backtest-api.ts';
import { createWarehouseSink } from './warehouse/sink.ts';
import type { WarehouseStore } from './warehouse/store.ts';

export const SINK_KINDS = ['warehouse', 'metrics', 'live'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

export interface SinkServiceDeps {
  env: SinkEnv;
  logger: Logger;
  /** Built from SCHEMA_REGISTRY_URL when not given. */
  codecs?: SinkCodecs;
  /** Overrides the BigQuery client (tests). */
  bigquery?: BigQuery;
}

export interface RunningSink {
  kind: SinkKind;
  url: string;
  port: number;
  consumer: BatchConsumer;
  stop(): Promise<void>;
}

/** The scorer's and the retrainer's default groups (SCORER_GROUP_ID, RETRAINER_GROUP_ID) and the three sink groups. */
export function defaultLagGroups(env: Pick<SinkEnv, 'TOPIC_PREFIX'>): string[] {
  return ['fraud-scorer', 'retrainer', ...SINK_KINDS.map((k) => sinkGroupId(env, k))];
}

export function sinkGroupId(env: Pick<SinkEnv, 'TOPIC_PREFIX'>, kind: SinkKind): string {
  return `${env.TOPIC_PREFIX}sink-${kind}`;
}

/**
 * Starts one sink as a service: its consumer group, its HTTP port (/metrics, /health, and the
 * query API or the Socket.io feed), and a stop() that finishes the batch in flight, commits,
 * and closes the warehouse.
 */
export async function startSink(kind: SinkKind, deps: SinkServiceDeps): Promise<RunningSink> {
  const { env, logger } = deps;
  const log = logger.child({ sink: kind });
  const topics = topicNames(env.TOPIC_PREFIX);
  const codecs = deps.codecs ?? (await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics }));
  const registry = createMetricsRegistry(`sink-${kind}`);
  const kafka = createKafka(env, `fraud-sink-${kind}`, log);
  const producer: Producer = kafka.producer(producerConfig('idempotent'));
  let joined = false;
  const port = kind === 'warehouse' ? env.WAREHOUSE_PORT : kind === 'metrics' ? env.METRICS_PORT : env.LIVE_PORT;
  const http = createServiceServer({
    registry,
    port,
    host: env.SINK_HOST,
    healthy: () => joined,
    name: `sink-${kind}`,
  });
  const groupId = sinkGroupId(env, kind);
  const common: SinkDeps = {
    kafka,
    producer,
    codecs,
    topics,
    groupId,
    registry,
    logger: log,
    sessionTimeoutMs: env.SINK_SESSION_TIMEOUT_MS,
  };
  const built =
    kind === 'warehouse'
      ? await buildWarehouseSink(common, env, http, deps.bigquery)
      : kind === 'metrics'
        ? await buildMetricsSink(common, env)
        : buildLiveSink(common, env, http);
  const { consumer, cleanup } = built;
  const cleanups = [cleanup];

  const boundPort = await http.listen();
  await producer.connect();
  void consumer.joined().then(() => (joined = true));
  await consumer.start();
  const url = `http://${env.SINK_HOST}:${boundPort}`;
  log.info({ url, groupId }, `sink ${kind} running`);
  let stopping: Promise<void> | undefined;
  return {
    kind,
    url,
    port: boundPort,
    consumer,
    stop: () =>
      (stopping ??= (async () => {
        log.info('stopping: finishing the batch in flight');
        await consumer.stop();
        await producer.disconnect();
        for (const c of cleanups.reverse())
          await c().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'cleanup failed'));
        await http.close();
        log.info('stopped');
      })()),
  };
}

/** One sink's consumer and what to close after it stops. */
interface BuiltSink {
  consumer: BatchConsumer;
  cleanup: () => Promise<void>;
}

type ServiceServer = ReturnType<typeof createServiceServer>;

/** The warehouse store (opened and initialised), its query API on the sink's port, and the writer. */
async function buildWarehouseSink(
  common: SinkDeps,
  env: SinkEnv,
  http: ServiceServer,
  bigquery: BigQuery | undefined,
): Promise<BuiltSink> {
  const store = await openStore(env, common.logger, bigquery);
  await store.init();
  http.app.use(createQueryRouter({ store, logger: common.logger }));
  http.app.use(createBacktestRouter({ store, logger: common.logger }));
  const consumer = createWarehouseSink({
    ...common,
    store,
    maxChunk: env.WAREHOUSE_BATCH_ROWS,
    writeDelayMs: env.WAREHOUSE_WRITE_DELAY_MS,
  });
  return { consumer, cleanup: () => store.close() };
}

/** Business metrics from the records, and the consumer-lag exporter beside them. */
async function buildMetricsSink(common: SinkDeps, env: SinkEnv): Promise<BuiltSink> {
  const consumer = createMetricsSink({
    ...common,
    windowMs: env.METRICS_WINDOW_SECONDS * 1000,
    joinCacheSize: env.METRICS_JOIN_CACHE_SIZE,
  });
  const admin = common.kafka.admin();
  await admin.connect();
  const lag = createLagExporter({
    admin,
    registry: common.registry,
    groups: env.LAG_GROUPS ?? defaultLagGroups(env),
    logger: common.logger,
    intervalMs: env.LAG_INTERVAL_MS,
  });
  lag.start();
  return {
    consumer,
    cleanup: async () => {
      await lag.stop();
      await admin.disconnect();
    },
  };
}

/** The Socket.io feed on the sink's HTTP server, fed by the live consumer. */
function buildLiveSink(common: SinkDeps, env: SinkEnv, http: ServiceServer): BuiltSink {
  const feed = createLiveFeed({
    server: http.server,
    secret: env.LIVE_FEED_SECRET,
    corsOrigins: env.LIVE_CORS_ORIGINS,
    clientBuffer: env.LIVE_CLIENT_BUFFER,
    registry: common.registry,
    logger: common.logger,
  });
  const consumer = createLiveSink({
    ...common,
    feed,
    approveSampleRate: env.LIVE_APPROVE_SAMPLE_RATE,
    fromBeginning: env.LIVE_FROM_BEGINNING,
  });
  return { consumer, cleanup: () => feed.close() };
}

async function openStore(env: SinkEnv, logger: Logger, bigquery?: BigQuery): Promise<WarehouseStore> {
  if (env.BIGQUERY_PROJECT && env.BIGQUERY_DATASET) {
    const client =
      bigquery ??
      createBigQueryClient({
        project: env.BIGQUERY_PROJECT,
        location: env.BIGQUERY_LOCATION,
        apiEndpoint: env.BIGQUERY_API_ENDPOINT,
      });
    return createBigQueryStore({
      bigquery: client,
      project: env.BIGQUERY_PROJECT,
      dataset: env.BIGQUERY_DATASET,
      location: env.BIGQUERY_LOCATION,
      logger,
    });
  }
  return createDuckDbStore({ path: resolve(env.WAREHOUSE_PATH) });
}
