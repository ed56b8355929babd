import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompressionTypes,
  consumerConfig,
  createKafka,
  producerConfig,
  readOwners,
  type Admin,
  type Consumer,
  type Kafka,
  type Producer,
} from '@fraud/kafka';
import { createLogger, createMetricsRegistry, errorMessage, type Logger } from '@fraud/common';
import {
  createCodecs,
  createSchemaRegistryClient,
  topicNames,
  type Codecs,
  type SchemaRegistryClient,
  type ScoredTransaction,
  type Topics,
  type Transaction,
} from '@fraud/schemas';
import { createApp, type ApiDeps } from './app.ts';
import { createBatcher } from './batcher.ts';
import { createDecisionWaiter, type DecisionWaiter } from './decisions.ts';
import type { ApiEnv } from './env.ts';
import { createKeyStore, readKeyFile } from './keys.ts';
import { createOwnerRouter, type OwnerRouter } from './owner-router.ts';
import { createRateLimiter } from './rate-limit.ts';

export interface ApiService {
  url: string;
  stop(): Promise<void>;
}

/**
 * The decision API process: an idempotent producer to `transactions` and `labels`, and a
 * read_committed consumer of `scored` in a group of its own (every API instance sees every
 * decision, so any instance can answer any request), feeding the waiter. In owner mode, an admin
 * client reads the scorers' partition owners and the router forwards each payment to its owner.
 */
export async function startApiService(
  env: ApiEnv,
  logger: Logger = createLogger('api', env.LOG_LEVEL),
): Promise<ApiService> {
  const topics = topicNames(env.TOPIC_PREFIX);
  const kafka = createKafka(env, 'fraud-api', logger);
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
  // The readiness probe: one quick try, credentials from SCHEMA_REGISTRY_URL like the codecs.
  const registryProbe = createSchemaRegistryClient({ url: env.SCHEMA_REGISTRY_URL, retries: 0, timeoutMs: 1000 });
  const registry = createMetricsRegistry('api');
  const waiter = createDecisionWaiter(env.API_DECISION_CACHE);
  const producer: Producer = kafka.producer(
    // Five requests in flight (idempotence keeps the order per partition): concurrent API calls
    // do not queue behind one another's round trip.
    producerConfig('idempotent', { maxInFlightRequests: 5, allowAutoTopicCreation: false }),
  );
  await producer.connect();
  const decisions = await followDecisions({ kafka, topics, codecs, waiter, logger });
  const owners = env.API_ROUTE_MODE === 'owner' ? await startOwnerRouter(env, kafka, topics, logger) : undefined;
  const app = createApp({
    ...createPublishers(producer, topics, codecs),
    lookupDecision: async (txId) => lookupWarehouse(env.WAREHOUSE_API_URL, txId, logger),
    ready: () => readiness({ kafka, registryProbe, assigned: decisions.assigned, logger }),
    waiter,
    router: owners?.router,
    keys: createKeyStore(readKeyFile(env.API_KEYS_FILE)),
    limiter: createRateLimiter(env.API_RATE_LIMIT_PER_S, env.API_RATE_BURST),
    registry,
    logger,
    config: {
      deadlineMs: env.API_DEADLINE_MS,
      fallbackApproveUnder: env.API_FALLBACK_APPROVE_UNDER,
      bodyLimit: env.API_BODY_LIMIT,
      publicUrl: `http://${env.API_HOST}:${env.API_PORT}`,
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(env.API_PORT, env.API_HOST, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${env.API_HOST}:${port}`;
  logger.info({ url }, 'decision API listening');
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      owners?.router.stop();
      await owners?.admin.disconnect();
      await decisions.consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/**
 * The owner router on the scorer group's assignment of `transactions`, its map read once before
 * the first request (a failed read leaves it empty: the Kafka path answers until a refresh works).
 */
async function startOwnerRouter(
  env: ApiEnv,
  kafka: Kafka,
  topics: Topics,
  logger: Logger,
): Promise<{ router: OwnerRouter; admin: Admin }> {
  const admin = kafka.admin();
  await admin.connect();
  const router = createOwnerRouter({
    readOwners: () => readOwners(admin, env.SCORER_GROUP_ID, topics.transactions),
    refreshMs: env.API_OWNER_REFRESH_MS,
    logger,
  });
  await router.refresh();
  return { router, admin };
}

/** Every decision on `scored`, from now on, delivered to the waiter. */
async function followDecisions(deps: {
  kafka: Kafka;
  topics: Topics;
  codecs: Codecs;
  waiter: DecisionWaiter;
  logger: Logger;
}): Promise<{ consumer: Consumer; assigned: () => boolean }> {
  const { kafka, topics, codecs, waiter, logger } = deps;
  const consumer: Consumer = kafka.consumer(
    consumerConfig('latency', { groupId: `fraud-api-${process.pid}-${Date.now().toString(36)}` }),
  );
  await consumer.connect();
  await consumer.subscribe({ topic: topics.scored, fromBeginning: false });
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => void (assigned = true));
  await consumer.run({
    // The group is this process's own and starts at the end: committed offsets would never be
    // read, and committing after every batch cost a broker round trip per fetch.
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        try {
          waiter.deliver(await codecs.scored.decode(m.value));
        } catch (err: unknown) {
          // A scored record we cannot read is the scorer's bug, not a request's: log, go on.
          logger.warn(
            { offset: m.offset, partition: batch.partition, err: errorMessage(err) },
            'undecodable scored record',
          );
        }
      }
    },
  });
  return { consumer, assigned: () => assigned };
}

/** Transactions go out in batches of up to 500, one request in flight; labels one by one. */
function createPublishers(
  producer: Producer,
  topics: Topics,
  codecs: Codecs,
): Pick<ApiDeps, 'publishTransaction' | 'publishLabel'> {
  const txBatcher = createBatcher<Transaction>(
    async (txs) => {
      await producer.send({
        topic: topics.transactions,
        acks: -1,
        compression: CompressionTypes.None,
        messages: txs.map((tx) => ({ key: tx.originAccount, value: codecs.transaction.encode(tx) })),
      });
    },
    { maxBatch: 500, maxInFlight: 1 },
  );
  return {
    publishTransaction: (tx: Transaction) => txBatcher.add(tx),
    publishLabel: async (label) => {
      await producer.send({
        topic: topics.labels,
        acks: -1,
        messages: [{ key: label.txId, value: codecs.label.encode(label) }],
      });
    },
  };
}

/** Ready when the broker and the registry answer and the scored consumer has joined its group. */
async function readiness(deps: {
  kafka: Kafka;
  registryProbe: SchemaRegistryClient;
  assigned: () => boolean;
  logger: Logger;
}): Promise<{ ok: boolean; checks: Record<string, boolean> }> {
  const { kafka, logger } = deps;
  const checks = { broker: false, registry: false, scoredConsumer: deps.assigned() };
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.describeCluster();
    await admin.disconnect();
    checks.broker = true;
  } catch (err: unknown) {
    logger.warn({ err: errorMessage(err) }, 'ready: broker unreachable');
  }
  try {
    await deps.registryProbe.subjects();
    checks.registry = true;
  } catch (err: unknown) {
    logger.warn({ err: errorMessage(err) }, 'ready: registry unreachable');
  }
  return { ok: Object.values(checks).every(Boolean), checks };
}

/** The warehouse sink's named question "decision by txId" (sinks/ HTTP API). */
async function lookupWarehouse(base: string, txId: string, logger: Logger): Promise<ScoredTransaction | undefined> {
  try {
    const res = await fetch(`${base}/api/decisions/${encodeURIComponent(txId)}`, { signal: AbortSignal.timeout(500) });
    if (res.status === 404 || !res.ok) return undefined;
    const body = (await res.json()) as { scored?: ScoredTransaction };
    return body.scored;
  } catch (err: unknown) {
    // Warehouse down: the cache answers what it can, and the stream stays the source of truth.
    logger.debug({ err: errorMessage(err) }, 'warehouse lookup failed');
    return undefined;
  }
}
