import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { producerConfig, type Kafka } from '@fraud/kafka';
import { envWith, waitFor } from '@fraud/common';
import { repoRoot, startKafka, stopKafka, type KafkaRuntimeOptions } from '@fraud/infra';
import { readArtifact, trainDirectArtifact, trainParams } from '@fraud/model';
import { simulate } from '@fraud/producers';
import type { Codecs, Topics } from '@fraud/schemas';
import { artifactToUpdate } from '@fraud/scorer';
import type { createSupervisor, Supervised } from './supervisor.ts';
import type { ChaosOptions } from './run-chaos.ts';
import { caughtUp, committedSum, dataEnds, groupLag, readAll, reconcile, type Reconciliation } from './verify.ts';

/** The steps of a chaos run (runChaos in run-chaos.ts), in the order it takes them. */

/** One chaos run: its options, its private broker and the services' environment. */
export interface ChaosContext {
  o: Pick<ChaosOptions, 'transactions' | 'kills' | 'brokerRestarts' | 'scorers' | 'seed' | 'syncRate' | 'log'>;
  broker: KafkaRuntimeOptions;
  kafka: Kafka;
  topics: Topics;
  codecs: Codecs;
  env: Record<string, string>;
  sup: ReturnType<typeof createSupervisor>;
  warehousePath: string;
}

/** A real model (XGBoost -> ONNX) trained on simulated history, published as the champion. */
export async function publishChampion(
  c: Pick<ChaosContext, 'kafka' | 'topics' | 'codecs'>,
  modelDir: string,
  seed: number,
): Promise<void> {
  const history = simulate({ seed: seed + 1 }, 20_000);
  await trainDirectArtifact(modelDir, {
    txs: history.map((e) => e.transaction),
    labels: Float32Array.from(history, (e) => (e.isFraud ? 1 : 0)),
    params: trainParams({ rounds: 30, maxDepth: 4, eta: 0.3, seed }),
    version: 'chaos-v1',
    thresholds: { review: 0.5, block: 0.9 },
  });
  const update = artifactToUpdate(await readArtifact(modelDir), modelDir);
  const producer = c.kafka.producer(producerConfig('idempotent'));
  await producer.connect();
  await producer.send({
    topic: c.topics.modelUpdates,
    acks: -1,
    messages: [{ key: 'champion', value: c.codecs.modelUpdate.encode(update) }],
  });
  await producer.disconnect();
}

/** The services' environment: the private broker, the shared registry, short sessions, any free port. */
export function chaosEnv(port: number, registryUrl: string, warehousePath: string): Record<string, string> {
  return {
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    SCHEMA_REGISTRY_URL: registryUrl,
    LOG_LEVEL: 'info',
    OMP_WAIT_POLICY: 'passive',
    SCORER_GROUP_ID: 'chaos-scorer',
    SCORER_METRICS_PORT: '0',
    SCORER_SESSION_TIMEOUT_MS: '6000',
    // Two scorers: the scale-out layout, so the kills also hit the repartition stage and the owners.
    SCORER_ENTITY_STATE: 'partitioned',
    WAREHOUSE_PATH: warehousePath,
    WAREHOUSE_PORT: '0',
    SINK_SESSION_TIMEOUT_MS: '6000',
    METRICS_PORT: '0',
    LIVE_PORT: '0',
    PRODUCER_METRICS_PORT: '0',
  };
}

/** `fraud simulate` at full speed; resolves with its exit code. */
export function startSimulator(c: ChaosContext): { exitCode: () => number | null; done: Promise<number> } {
  // Simulated time outruns the wall clock at full speed: start a week back so no event is in
  // the future (the scorer would rightly dead-letter it).
  const simStart = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const sim = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'fraud.mjs'),
      'simulate',
      '--count',
      String(c.o.transactions),
      '--max',
      '--seed',
      String(c.o.seed),
      '--legit-label-rate',
      '0.02',
      '--metrics-port',
      '0',
      '--start',
      simStart,
    ],
    { cwd: repoRoot, env: envWith(c.env), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const done = new Promise<number>((resolve) => sim.once('exit', (code) => resolve(code ?? 1)));
  return { exitCode: () => sim.exitCode, done };
}

export interface FaultLog {
  kills: number;
  restarts: number;
  /** Seconds from each kill until its group committed progress again, as they complete. */
  recovery: number[];
  pendingRecoveries: Promise<void>[];
}

async function restartBroker(broker: KafkaRuntimeOptions): Promise<void> {
  await stopKafka(broker);
  await startKafka(broker);
}

/**
 * Kills are spread over the run: a random pause, a random victim, SIGKILL (the supervisor
 * restarts it), and a measurement of how long until its group commits progress again. The
 * broker restarts halfway through the kills (and any restarts left happen at the end).
 */
export async function injectFaults(
  c: ChaosContext,
  q: {
    victims: Supervised[];
    sink: Supervised;
    published: () => Promise<number>;
    simExitCode: () => number | null;
    rand: () => number;
  },
): Promise<FaultLog> {
  const { o, kafka, topics } = c;
  const f: FaultLog = { kills: 0, restarts: 0, recovery: [], pendingRecoveries: [] };
  const plannedBrokerRestartAt = Math.floor(o.kills / 2);
  while (f.kills < o.kills) {
    const published = await q.published();
    await waitFor(
      async () => (await q.published()) >= published + o.transactions / (o.kills + 2) || q.simExitCode() !== null,
      { timeoutMs: 120_000, intervalMs: 100 + q.rand() * 400, what: 'the next kill moment' },
    );
    const v = q.victims[Math.floor(q.rand() * q.victims.length)]!;
    const group = v === q.sink ? 'sink-warehouse' : 'chaos-scorer';
    const topic = v === q.sink ? topics.scored : topics.transactions;
    const before = await committedSum(kafka, group, topic).catch(() => 0);
    const killedAt = Date.now();
    v.kill();
    f.kills++;
    o.log(`chaos: kill ${f.kills}/${o.kills}: SIGKILL ${v.name}`);
    f.pendingRecoveries.push(
      waitFor(async () => (await committedSum(kafka, group, topic)) > before, {
        timeoutMs: 180_000,
        intervalMs: 200,
        what: `${v.name} to make progress after a kill`,
      }).then(() => void f.recovery.push((Date.now() - killedAt) / 1000)),
    );
    if (f.kills === plannedBrokerRestartAt && f.restarts < o.brokerRestarts) {
      o.log('chaos: restarting the broker');
      await restartBroker(c.broker);
      f.restarts++;
    }
  }
  while (f.restarts < o.brokerRestarts) {
    await restartBroker(c.broker);
    f.restarts++;
  }
  return f;
}

/** Until the scorers have read every transaction and the warehouse sink every scored record and label. */
export async function waitForCatchUp(c: Pick<ChaosContext, 'kafka' | 'topics'>): Promise<void> {
  const { kafka, topics } = c;
  await waitFor(async () => (await groupLag(kafka, 'chaos-scorer', topics.transactions)) === 0, {
    timeoutMs: 600_000,
    intervalMs: 500,
    what: 'the scorers to catch up',
  });
  // The scorers are caught up, so scored is complete: the sink must reach its last records.
  const scoredEnds = await dataEnds(kafka, topics.scored);
  const labelEnds = await dataEnds(kafka, topics.labels);
  await waitFor(
    async () =>
      (await caughtUp(kafka, 'sink-warehouse', topics.scored, scoredEnds)) &&
      (await caughtUp(kafka, 'sink-warehouse', topics.labels, labelEnds)),
    { timeoutMs: 600_000, intervalMs: 500, what: 'the warehouse sink to catch up' },
  );
}

export interface ReadBack {
  r: Reconciliation & { watched: Map<string, string[]> };
  labelsOnTopic: number;
  warehouseRows: number;
  warehouseDistinct: number;
  labelsInWarehouse: number;
}

/** Every topic read back and reconciled, and the warehouse counted. */
export async function readBack(c: ChaosContext, watch: ReadonlySet<string> = new Set()): Promise<ReadBack> {
  const { kafka, topics } = c;
  const r = await reconcile(kafka, c.codecs, topics, watch);
  const labels = await readAll(kafka, topics.labels);
  const db = await (await DuckDBInstance.create(c.warehousePath)).connect();
  const rows = (
    await db.runAndReadAll('SELECT count(*)::BIGINT AS n, count(DISTINCT txId)::BIGINT AS d FROM scored')
  ).getRowObjects()[0]!;
  const lrows = (await db.runAndReadAll('SELECT count(*)::BIGINT AS n FROM labels')).getRowObjects()[0]!;
  db.closeSync();
  return {
    r,
    labelsOnTopic: labels.length,
    warehouseRows: Number(rows.n),
    warehouseDistinct: Number(rows.d),
    labelsInWarehouse: Number(lrows.n),
  };
}
