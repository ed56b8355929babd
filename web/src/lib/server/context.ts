import { createLogger, errorMessage, FraudError, type Logger } from '@fraud/common';
import { createKafka, producerConfig, type Producer } from '@fraud/kafka';
import { createCodecs, redactRegistryUrl, topicNames, type Topics } from '@fraud/schemas';
import { openDatabase, type Database } from './db/database.ts';
import { createAuditLog, type AuditLog } from './db/audit.ts';
import { createUserStore, type UserStore } from './auth/users.ts';
import { createSessionStore, type SessionStore } from './auth/sessions.ts';
import { createCaseStore, type CaseStore } from './cases/case-store.ts';
import { createCaseIngest } from './cases/case-ingest.ts';
import { createPublisher, type Publisher } from './kafka/publisher.ts';
import { createTopicTail } from './kafka/topic-tail.ts';
import { createControlState, type ControlState } from './policy/control-state.ts';
import { createRulesContext, type RulesContext } from './rules/context.ts';
import { createModelRegistry, type ModelRegistry } from './models/registry.ts';
import { createWarehouseClient, type WarehouseClient } from './warehouse/client.ts';
import { issueFeedToken } from './feed/token.ts';
import { createRetrainerClient, type RetrainerClient } from './retrainer/client.ts';
import type { SessionUser } from './auth/types.ts';
import type { WebEnv } from './env.ts';

/** Everything the console's server side uses, built once at start-up (hooks.server.ts init). */
export interface AppContext {
  env: WebEnv;
  logger: Logger;
  topics: Topics;
  db: Database;
  audit: AuditLog;
  users: UserStore;
  sessions: SessionStore;
  cases: CaseStore;
  models: ModelRegistry;
  control: ControlState;
  /** Rule sets on control, drafts and their publication (Rules page). */
  rules: RulesContext;
  publisher: Publisher;
  warehouse: WarehouseClient;
  retrainer: RetrainerClient;
  feedToken(user: SessionUser): { url: string; token: string; exp: number };
  stop(): Promise<void>;
}

export interface AppContextHooks {
  /**
   * kafkajs gave up on one of the console's consumers (control, models, cases): the console would
   * go on serving a stale queue and stale policies. hooks.server.ts exits so a supervisor restarts it.
   */
  onConsumerDeath?: (what: string, error: unknown) => void;
}

export async function createAppContext(env: WebEnv, hooks: AppContextHooks = {}): Promise<AppContext> {
  const logger = createLogger('web', env.LOG_LEVEL);
  const topics = topicNames(env.TOPIC_PREFIX);
  const db = await openDatabase(env.WEB_DB_PATH);
  const audit = createAuditLog(db);
  const kafka = createKafka(env, 'fraud-web', logger);
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics }).catch((err: unknown) => {
    throw new FraudError(
      'REGISTRY_UNAVAILABLE',
      `the schema registry at ${redactRegistryUrl(env.SCHEMA_REGISTRY_URL)} failed: ${errorMessage(err)}; is the ` +
        `stack up (fraud infra up)?`,
      { cause: err, retriable: true },
    );
  });
  const producer: Producer = kafka.producer(producerConfig('idempotent', { allowAutoTopicCreation: false }));
  await producer.connect();
  const publisher = createPublisher({ producer, codecs, topics });
  const cases = createCaseStore(db, audit);
  const control = createControlState();
  const models = createModelRegistry({
    db,
    codecs,
    publisher,
    audit,
    artifactsDir: env.MODEL_ARTIFACTS_DIR,
    modelName: env.MODEL_NAME,
  });
  await models.scanArtifacts();
  const rules = createRulesContext({ db, audit, publisher, models, warehouseUrl: env.WAREHOUSE_API_URL });

  const controlTail = createTopicTail({
    kafka,
    topic: topics.control,
    groupPrefix: env.TOPIC_PREFIX,
    name: 'control',
    logger,
    onDeath: (err) => hooks.onConsumerDeath?.('control', err),
    onMessage: async (m) => {
      control.apply(m);
      rules.state.apply(m);
    },
  });
  const modelTail = createTopicTail({
    kafka,
    topic: topics.modelUpdates,
    groupPrefix: env.TOPIC_PREFIX,
    name: 'models',
    logger,
    onDeath: (err) => hooks.onConsumerDeath?.('models', err),
    onMessage: (m) => models.onMessage(m),
  });
  const ingest = createCaseIngest({
    kafka,
    codecs,
    topic: topics.scored,
    groupId: env.WEB_CASES_GROUP,
    fromBeginning: env.WEB_CASES_FROM_BEGINNING,
    cases,
    logger,
    onDeath: (err) => hooks.onConsumerDeath?.('cases', err),
  });
  await Promise.all([controlTail.start(), modelTail.start(), ingest.start()]);

  const sessions = createSessionStore(db, env.WEB_SESSION_HOURS * 3_600_000);
  await sessions.purgeExpired();
  logger.info({ db: env.WEB_DB_PATH, feed: env.LIVE_FEED_URL, warehouse: env.WAREHOUSE_API_URL }, 'console ready');
  return {
    env,
    logger,
    topics,
    db,
    audit,
    users: createUserStore(db),
    sessions,
    cases,
    models,
    control,
    rules,
    publisher,
    warehouse: createWarehouseClient({ baseUrl: env.WAREHOUSE_API_URL }),
    retrainer: createRetrainerClient({ baseUrl: env.RETRAINER_API_URL }),
    feedToken: (user) => ({
      url: env.LIVE_FEED_URL,
      ...issueFeedToken(user, { secret: env.LIVE_FEED_SECRET, minutes: env.LIVE_FEED_TOKEN_MINUTES }),
    }),
    async stop() {
      await Promise.allSettled([controlTail.stop(), modelTail.stop(), ingest.stop()]);
      await producer.disconnect();
      db.close();
    },
  };
}

let current: AppContext | null = null;

export function setAppContext(ctx: AppContext | null): void {
  current = ctx;
}

/** The context built at start-up; only valid after hooks.server.ts init ran. */
export function app(): AppContext {
  if (!current) throw new FraudError('INTERNAL', 'the console is still starting');
  return current;
}
