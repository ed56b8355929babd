import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from '@fraud/kafka';
import { FraudError, waitFor } from '@fraud/common';
import { kafkaLibDir, kafkaPom } from './paths.ts';
import { isAlive, pidFromFile } from './pidfile.ts';

/**
 * The pinned broker version. Evidence that kafkajs works against it end to end (produce,
 * groups, idempotence, transactions with sendOffsets, read_committed) is the test
 * infra/test/kafkajs-compat.test.ts; the decision is written in docs/kafka-version.md.
 */
export const KAFKA_VERSION = '4.1.1';

export interface KafkaRuntimeOptions {
  dataDir: string;
  host?: string;
  port?: number;
  controllerPort?: number;
  /** Extra or overriding server.properties entries (SASL tests use this). */
  extraProperties?: Record<string, string>;
  /** Extra arguments to the storage format (e.g. --add-scram for SASL/SCRAM users). */
  formatArgs?: string[];
  heapMb?: number;
  /** Readiness check for brokers that need credentials; default: a PLAINTEXT metadata request. */
  readyProbe?: () => Promise<boolean>;
}

interface Resolved extends Required<Omit<KafkaRuntimeOptions, 'extraProperties' | 'formatArgs' | 'readyProbe'>> {
  extraProperties: Record<string, string>;
  formatArgs: string[];
  dir: string;
}

function resolve(o: KafkaRuntimeOptions): Resolved {
  return {
    dataDir: o.dataDir,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 9092,
    controllerPort: o.controllerPort ?? 9093,
    heapMb: o.heapMb ?? 768,
    extraProperties: o.extraProperties ?? {},
    formatArgs: o.formatArgs ?? [],
    dir: join(o.dataDir, 'kafka'),
  };
}

/** Fetches the broker jars from Maven Central once; a no-op when they are present. */
export function ensureKafkaJars(log: (s: string) => void = () => {}): void {
  const marker = join(kafkaLibDir, `kafka_2.13-${KAFKA_VERSION}.jar`);
  if (existsSync(marker)) return;
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central (once)...`);
  rmSync(kafkaLibDir, { recursive: true, force: true });
  const pom = readFileSync(kafkaPom, 'utf8').replace('KAFKA_VERSION', KAFKA_VERSION);
  const tmpPom = join(kafkaLibDir, '..', '.pom.resolved.xml');
  writeFileSync(tmpPom, pom);
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', tmpPom, 'dependency:copy-dependencies', `-DoutputDirectory=${kafkaLibDir}`],
    { stdio: 'inherit' },
  );
  rmSync(tmpPom, { force: true });
  if (r.status !== 0 || !existsSync(marker)) {
    throw new FraudError(
      'KAFKA_UNAVAILABLE',
      `could not fetch Kafka ${KAFKA_VERSION} with Maven (exit ${r.status}); check that Maven Central is reachable ` +
        `and retry`,
    );
  }
}

function classpath(): string {
  return readdirSync(kafkaLibDir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(kafkaLibDir, f))
    .join(':');
}

function serverProperties(o: Resolved): string {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${o.host}:${o.controllerPort}`,
    listeners: `PLAINTEXT://${o.host}:${o.port},CONTROLLER://${o.host}:${o.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${o.host}:${o.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': join(o.dir, 'logs'),
    'num.partitions': '6',
    // One broker: internal topics must live with replication factor 1 or groups and
    // transactions never become available.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '12',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '12',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'log.retention.hours': '168',
    'log.segment.bytes': String(256 * 1024 * 1024),
    'transaction.max.timeout.ms': '900000',
    ...o.extraProperties,
  };
  return (
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n'
  );
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
`;
const LOG4J2 = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: state.change.logger
        level: WARN
      - name: kafka.log.LogCleaner
        level: WARN
`;

function pidFile(o: Resolved): string {
  return join(o.dir, 'kafka.pid');
}

export function kafkaPid(opts: KafkaRuntimeOptions): number | undefined {
  const o = resolve(opts);
  return pidFromFile(pidFile(o), 'kafka.Kafka');
}

export { isAlive };

/**
 * A cluster id: a UUID in url-safe base64 (22 characters), as kafka-storage random-uuid prints.
 * Never one starting with '-' (1 in 64 would): the storage tool's argument parser reads it as an
 * option and fails "expected one argument"; Kafka's own Uuid.randomUuid() skips those too.
 */
export function newClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Starts the broker if it does not run yet, and waits until it answers metadata. */
export async function startKafka(
  opts: KafkaRuntimeOptions,
  log: (s: string) => void = () => {},
): Promise<{ pid: number; startedMs: number; alreadyRunning: boolean }> {
  const o = resolve(opts);
  const running = kafkaPid(opts);
  if (running) {
    await waitKafkaReady(o.host, o.port, 60_000);
    return { pid: running, startedMs: 0, alreadyRunning: true };
  }
  ensureKafkaJars(log);
  mkdirSync(o.dir, { recursive: true });
  const propsPath = join(o.dir, 'server.properties');
  writeFileSync(propsPath, serverProperties(o));
  writeFileSync(join(o.dir, 'log4j.properties'), LOG4J);
  writeFileSync(join(o.dir, 'log4j2.yaml'), LOG4J2);
  const javaBase = [
    '-cp',
    classpath(),
    `-Dlog4j.configuration=file:${join(o.dir, 'log4j.properties')}`,
    `-Dlog4j2.configurationFile=${join(o.dir, 'log4j2.yaml')}`,
  ];
  if (!existsSync(join(o.dir, 'logs', 'meta.properties'))) {
    const clusterId = newClusterId();
    const r = spawnSync(
      'java',
      [
        ...javaBase,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propsPath,
        '--ignore-formatted',
        ...o.formatArgs,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0)
      throw new FraudError('KAFKA_UNAVAILABLE', `kafka storage format failed: ${r.stderr || r.stdout}`);
    log(`formatted Kafka storage in ${join(o.dir, 'logs')}`);
  }
  const out = openSync(join(o.dir, 'kafka.log'), 'a');
  const t0 = Date.now();
  const child = spawn(
    'java',
    [
      `-Xms${Math.min(256, o.heapMb)}m`,
      `-Xmx${o.heapMb}m`,
      '-XX:+UseG1GC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      ...javaBase,
      'kafka.Kafka',
      propsPath,
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
    },
  );
  child.unref();
  if (!child.pid) throw new FraudError('KAFKA_UNAVAILABLE', 'could not spawn java; is a JDK installed?');
  writeFileSync(pidFile(o), String(child.pid));
  try {
    if (opts.readyProbe)
      await waitFor(
        async () => {
          if (!isAlive(child.pid!)) throw new FraudError('KAFKA_UNAVAILABLE', 'broker process exited');
          return opts.readyProbe!();
        },
        { timeoutMs: 90_000, intervalMs: 250, what: 'Kafka to answer' },
      );
    else await waitKafkaReady(o.host, o.port, 90_000, () => isAlive(child.pid!));
  } catch (err: unknown) {
    throw new FraudError('KAFKA_UNAVAILABLE', `Kafka did not become ready; see ${join(o.dir, 'kafka.log')}`, {
      cause: err,
    });
  }
  return { pid: child.pid, startedMs: Date.now() - t0, alreadyRunning: false };
}

/** Waits until the broker answers a metadata request. */
export async function waitKafkaReady(
  host: string,
  port: number,
  timeoutMs: number,
  alive: () => boolean = () => true,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'fraud-infra-probe',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  });
  await waitFor(
    async () => {
      if (!alive()) throw new FraudError('KAFKA_UNAVAILABLE', 'broker process exited');
      const admin = kafka.admin();
      try {
        await admin.connect();
        const c = await admin.describeCluster();
        return c.brokers.length > 0 && c.controller !== null;
      } finally {
        await admin.disconnect();
      }
    },
    { timeoutMs, intervalMs: 250, what: `Kafka metadata on ${host}:${port}` },
  );
}

/** Clean stop: SIGTERM, wait for exit (controlled shutdown), SIGKILL after the grace period. */
export async function stopKafka(opts: KafkaRuntimeOptions, graceMs = 30_000): Promise<boolean> {
  const o = resolve(opts);
  const pid = kafkaPid(opts);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(() => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 100, what: 'Kafka to exit' });
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), { timeoutMs: 5_000, intervalMs: 100, what: 'Kafka to die' });
  }
  rmSync(pidFile(o), { force: true });
  return true;
}
