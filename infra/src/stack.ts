import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from '@fraud/kafka';
import { kafkaPid, startKafka, stopKafka } from './kafka-runtime.ts';
import { httpReady, servicePid, startService, stopService } from './processes.ts';
import { ensureTopics } from './topics.ts';
import { prometheusPid, stopPrometheus } from './prometheus.ts';
import { dataDir as defaultDataDir, repoRoot } from './paths.ts';

/** The local stack: Kafka (KRaft), topics, the embedded schema registry. */
export interface StackOptions {
  dataDir?: string;
  kafkaPort?: number;
  registryPort?: number;
  partitions?: number;
  prefix?: string;
  log?: (s: string) => void;
}

export const SERVICES_STOP_ORDER = [
  'simulator',
  'web',
  'api',
  'retrainer',
  'sinks',
  'scorer',
  'prometheus',
  'registry',
];

function opts(o: StackOptions) {
  return {
    dataDir: o.dataDir ?? defaultDataDir(),
    kafkaPort: o.kafkaPort ?? 9092,
    registryPort: o.registryPort ?? 8081,
    log: o.log ?? (() => {}),
  };
}

export async function stackUp(
  o: StackOptions = {},
): Promise<{ kafkaMs: number; registryMs: number; createdTopics: string[] }> {
  const { dataDir, kafkaPort, registryPort, log } = opts(o);
  const t0 = Date.now();
  const k = await startKafka({ dataDir, port: kafkaPort }, log);
  log(k.alreadyRunning ? `Kafka already running (pid ${k.pid})` : `Kafka started in ${k.startedMs} ms (pid ${k.pid})`);
  const kafkaMs = Date.now() - t0;
  const kafka = new Kafka({ clientId: 'fraud-infra', brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  let createdTopics: string[];
  try {
    createdTopics = await ensureTopics(admin, { partitions: o.partitions ?? 6, prefix: o.prefix ?? '' });
  } finally {
    await admin.disconnect();
  }
  if (createdTopics.length) log(`created topics: ${createdTopics.join(', ')}`);
  const t1 = Date.now();
  const url = `http://127.0.0.1:${registryPort}`;
  const r = await startService(dataDir, {
    name: 'registry',
    args: ['registry', 'serve', '--port', String(registryPort)],
    env: { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` },
    // 401: serving, with REGISTRY_USERS_FILE set (HTTP Basic users)
    ready: httpReady(`${url}/subjects`, [401]),
  });
  log(
    r.alreadyRunning
      ? `schema registry already running (pid ${r.pid})`
      : `schema registry ready at ${url} (pid ${r.pid})`,
  );
  return { kafkaMs, registryMs: Date.now() - t1, createdTopics };
}

export async function stackDown(o: StackOptions = {}): Promise<void> {
  const { dataDir, kafkaPort, log } = opts(o);
  for (const name of SERVICES_STOP_ORDER) {
    if (name === 'prometheus' ? await stopPrometheus({ dataDir }) : await stopService(dataDir, name))
      log(`stopped ${name}`);
  }
  if (await stopKafka({ dataDir, port: kafkaPort })) log('stopped Kafka');
}

export interface StackStatus {
  name: string;
  running: boolean;
  pid?: number;
  where: string;
}

export async function stackStatus(o: StackOptions = {}): Promise<StackStatus[]> {
  const { dataDir, kafkaPort, registryPort } = opts(o);
  const kpid = kafkaPid({ dataDir, port: kafkaPort });
  const rows: StackStatus[] = [
    {
      name: 'kafka',
      running: kpid !== undefined,
      pid: kpid,
      where: `127.0.0.1:${kafkaPort} (data ${join(dataDir, 'kafka')})`,
    },
  ];
  const where: Record<string, string> = {
    registry: `http://127.0.0.1:${registryPort}`,
    prometheus: 'http://127.0.0.1:9090',
    scorer: 'metrics http://127.0.0.1:9470/metrics',
    sinks: 'metrics :9471, warehouse API :9472, live feed :9473',
    retrainer: 'http://127.0.0.1:9474',
    web: 'http://127.0.0.1:3000',
    api: 'http://127.0.0.1:8080',
    simulator: 'metrics http://127.0.0.1:9464/metrics',
  };
  for (const name of [...SERVICES_STOP_ORDER].reverse()) {
    const pid = name === 'prometheus' ? prometheusPid({ dataDir }) : servicePid(dataDir, name);
    rows.push({ name, running: pid !== undefined, pid, where: where[name] ?? '' });
  }
  return rows;
}

/** Deletes all local data: Kafka logs (so every topic), DuckDB files, and trained models. */
export async function stackReset(o: StackOptions = {}): Promise<string[]> {
  const { dataDir } = opts(o);
  await stackDown(o);
  const removed: string[] = [];
  if (existsSync(dataDir)) {
    rmSync(dataDir, { recursive: true, force: true });
    removed.push(dataDir);
  }
  const models = join(repoRoot, 'model-artifacts');
  if (existsSync(models)) {
    for (const entry of readdirSync(models)) {
      if (entry === 'README.md') continue;
      rmSync(join(models, entry), { recursive: true, force: true });
      removed.push(join(models, entry));
    }
  }
  return removed;
}
