import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Consumer, Producer } from '@fraud/kafka';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createLogger, parseEnv, retry, waitFor } from '@fraud/common';
import { freePort, uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { createCodecs, topicNames, type Codecs, type Topics } from '@fraud/schemas';
import { sinkEnvSchema, startSink, type RunningSink } from '@fraud/sinks';
import { createUserStore, openDatabase, type Role } from '@fraud/web';

/**
 * The running pieces the browser tests drive: unique topics, the real live and warehouse sinks
 * (in process), the built console (a child process, as `fraud web serve` runs it), and Chromium.
 */
export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
export const screenshotsDir = join(repoRoot, 'test-artifacts', 'screenshots');
export const PASSWORD = 'browser-test-password';
const SECRET = 'browser-test-live-feed-secret';

export interface Stack {
  url: string;
  prefix: string;
  topics: Topics;
  codecs: Codecs;
  producer: Producer;
  kafka: ReturnType<typeof testKafka>;
  consume(topic: string): Promise<{ messages: { key: string; value: Buffer }[]; stop(): Promise<void> }>;
  newUserContext(name: string): Promise<{ context: BrowserContext; page: Page }>;
  serverLog(): string;
  stop(): Promise<void>;
}

export async function startStack(users: Record<string, Role>): Promise<Stack> {
  const prefix = `${uniqueName('web')}.`;
  const topics = topicNames(prefix);
  const kafka = testKafka('web-browser-test');
  const admin: TestTopics = await testTopics(kafka);
  // A freshly created topic's metadata sometimes lags (UNKNOWN_TOPIC_OR_PARTITION while waiting
  // for leaders, a retriable error): retry the creation.
  const create = (t: string, partitions: number, configs: Record<string, string> = {}) =>
    retry(() => admin.create(t, partitions, configs), { retries: 5, initialDelayMs: 300 });
  for (const t of [topics.transactions, topics.scored, topics.labels, topics.dlq]) await create(t, 3);
  await create(topics.modelUpdates, 1, { 'cleanup.policy': 'compact', 'max.message.bytes': String(16 * 1024 * 1024) });
  await create(topics.control, 1, { 'cleanup.policy': 'compact' });
  const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';
  const codecs = await createCodecs({ registryUrl, topics });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const tmp = mkdtempSync(join(tmpdir(), 'fraud-web-test-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  // The real sinks, on ephemeral ports, reading the test's topics.
  const sinkEnv = parseEnv(sinkEnvSchema, {
    TOPIC_PREFIX: prefix,
    SCHEMA_REGISTRY_URL: registryUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    LIVE_PORT: '0',
    WAREHOUSE_PORT: '0',
    METRICS_PORT: '0',
    WAREHOUSE_PATH: join(tmp, 'warehouse.duckdb'),
    LIVE_FEED_SECRET: SECRET,
    LIVE_CORS_ORIGINS: url,
    LIVE_APPROVE_SAMPLE_RATE: '1',
    LIVE_FROM_BEGINNING: 'true',
    SINK_SESSION_TIMEOUT_MS: '10000',
  });
  const logger = createLogger('web-test-sinks', 'warn');
  const sinks: RunningSink[] = [];
  sinks.push(await startSink('live', { env: sinkEnv, logger, codecs }));
  sinks.push(await startSink('warehouse', { env: sinkEnv, logger, codecs }));
  const [live, warehouse] = sinks as [RunningSink, RunningSink];

  // Users go into the console database before the server opens it (one writer per file).
  const dbPath = join(tmp, 'web.duckdb');
  const db = await openDatabase(dbPath);
  const store = createUserStore(db, { scrypt: { N: 2 ** 14, r: 8, p: 1, keyLen: 32 } });
  for (const [name, role] of Object.entries(users)) await store.add(name, role, PASSWORD);
  db.close();

  let log = '';
  const server: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'web', 'build', 'index.js')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        ORIGIN: url,
        TOPIC_PREFIX: prefix,
        SCHEMA_REGISTRY_URL: registryUrl,
        WEB_DB_PATH: dbPath,
        LIVE_FEED_SECRET: SECRET,
        LIVE_FEED_URL: live.url,
        WAREHOUSE_API_URL: warehouse.url,
        WEB_CASES_GROUP: `${prefix}web-cases`,
        WEB_CASES_FROM_BEGINNING: 'true',
        MODEL_ARTIFACTS_DIR: join(tmp, 'artifacts'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitFor(
    async () =>
      server.exitCode === null &&
      (await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )),
    { timeoutMs: 60_000, intervalMs: 200, what: `the console at ${url} (log: ${log.slice(-500)})` },
  );

  mkdirSync(screenshotsDir, { recursive: true });
  const contexts: BrowserContext[] = [];
  const consumers: Consumer[] = [];

  return {
    url,
    prefix,
    topics,
    codecs,
    producer,
    kafka,
    async consume(topic) {
      // A short fetch wait: read_committed fetches of transactional records otherwise sit out the
      // whole 5 s default (the other readers in this project set it too).
      const consumer = kafka.consumer({ groupId: uniqueName('web-test-reader'), maxWaitTimeInMs: 100 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const messages: { key: string; value: Buffer }[] = [];
      // Returns once the reader has joined its group: a test's deadline for "the action
      // published" must not also pay for a group join, which takes seconds on a loaded machine.
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      await consumer.run({
        eachMessage: async ({ message }) =>
          void messages.push({ key: message.key?.toString() ?? '', value: message.value ?? Buffer.alloc(0) }),
      });
      await waitFor(() => joined, {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: `a reader of ${topic} to join its consumer group`,
      });
      return { messages, stop: () => consumer.disconnect() };
    },
    async newUserContext(name) {
      const context = await chromium.launchPersistentContext(mkdtempSync(join(tmp, `chrome-${name}-`)), {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
        viewport: { width: 1400, height: 900 },
      });
      contexts.push(context);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${url}/login`);
      await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 60_000 });
      await page.fill('input[name=name]', name);
      await page.fill('input[name=password]', PASSWORD);
      try {
        await Promise.all([
          page.waitForURL((u) => !u.pathname.startsWith('/login')),
          page.click('button[type=submit]'),
        ]);
      } catch (err: unknown) {
        const shown = await page
          .locator('body')
          .innerText()
          .catch(() => '?');
        throw new Error(
          `login as ${name} stayed on ${page.url()}: ` +
            `${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n` +
            `page: ${shown.slice(0, 500)}\nconsole log: ${log.slice(-3000)}`,
        );
      }
      return { context, page };
    },
    serverLog: () => log,
    async stop() {
      for (const c of contexts) await c.close().catch(() => undefined);
      for (const c of consumers) await c.disconnect().catch(() => undefined);
      server.kill('SIGTERM');
      await waitFor(() => server.exitCode !== null || server.signalCode !== null, {
        timeoutMs: 15_000,
        what: 'the console to exit',
      }).catch(() => server.kill('SIGKILL'));
      for (const s of sinks) await s.stop();
      await producer.disconnect();
      // The console's consumer groups are left behind by a killed process; remove ours.
      const groups = (await admin.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      await admin.admin.deleteGroups(groups).catch(() => undefined);
      await admin.cleanup();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
