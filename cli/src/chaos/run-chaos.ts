import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel, producerConfig } from '@fraud/kafka';
import { envWith, kafkaEnvSchema, parseEnv, waitFor } from '@fraud/common';
import { repoRoot, startKafka, stopKafka, ensureTopics, type KafkaRuntimeOptions } from '@fraud/infra';
import {
  FEATURE_NAMES,
  FEATURE_SET,
  featuresForFile,
  readArtifact,
  trainXGBoost,
  writeArtifact,
  xgboostJsonToOnnx,
} from '@fraud/model';
import { createRng, simulate } from '@fraud/producers';
import { createCodecs, topicNames } from '@fraud/schemas';
import { artifactToUpdate } from '@fraud/scorer';
import { createSupervisor } from './supervisor.ts';
import { caughtUp, committedSum, dataEnds, groupLag, readAll, reconcile } from './verify.ts';

export interface ChaosOptions {
  transactions: number;
  kills: number;
  brokerRestarts: number;
  scorers: number;
  seed: number;
  log: (s: string) => void;
  /** Where to write the JSON result; none in tests. */
  resultFile?: string;
}

export interface ChaosResult {
  transactions: number;
  scored: number;
  dlq: number;
  lost: number;
  duplicates: number;
  kills: number;
  broker_restarts: number;
  recovery_seconds_max: number;
  recovery_seconds: number[];
  warehouse_rows: number;
  warehouse_distinct: number;
  labels_on_topic: number;
  labels_in_warehouse: number;
  unexpected_restarts: number;
  seconds: number;
  lost_ids: string[];
  duplicate_samples: { txId: string; copies: string[] }[];
  /** Kept (with the services' logs in logs/) when anything was lost or doubled; removed otherwise. */
  work_dir?: string;
}

/**
 * Chaos, on real processes and a real broker of its own: a simulation streams through scorers
 * and the warehouse sink while scorer and sink processes are SIGKILLed at random moments (and
 * restarted) and the broker is restarted; then everything is read back and reconciled.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  // The schema registry is the shared one (SCHEMA_REGISTRY_URL); the broker is private.
  const registryUrl = parseEnv(kafkaEnvSchema).SCHEMA_REGISTRY_URL;
  const work = mkdtempSync(join(tmpdir(), 'fraud-chaos-'));
  const port = 29_092 + Math.floor(Math.random() * 400) * 2;
  const broker: KafkaRuntimeOptions = { dataDir: work, port, controllerPort: port + 1, heapMb: 512 };
  const rng = createRng(`chaos-${o.seed}`);
  const rand = () => rng.next();
  o.log(`chaos: private broker on 127.0.0.1:${port}, data in ${work}`);
  await startKafka(broker);
  const kafka = new Kafka({ clientId: 'chaos', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const topics = topicNames('');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { partitions: 6 });
  await admin.disconnect();
  const codecs = await createCodecs({ registryUrl, topics });

  // A real model (XGBoost -> ONNX) trained on simulated history, published as the champion.
  const history = simulate({ seed: o.seed + 1 }, 20_000);
  const matrix = featuresForFile(history.map((e) => e.transaction));
  const trained = await trainXGBoost({
    train: matrix,
    trainLabels: Float32Array.from(history, (e) => (e.isFraud ? 1 : 0)),
    featureNames: FEATURE_NAMES,
    params: {
      rounds: 30,
      earlyStoppingRounds: 0,
      maxDepth: 4,
      eta: 0.3,
      subsample: 1,
      colsampleBytree: 1,
      minChildWeight: 1,
      lambda: 1,
      scalePosWeight: null,
      nthread: 1,
      seed: o.seed,
    },
  });
  const modelDir = join(work, 'model');
  await writeArtifact(modelDir, {
    onnx: xgboostJsonToOnnx(trained.modelJson, { featureNames: FEATURE_NAMES }),
    modelJson: trained.modelJson,
    metadata: {
      version: 'chaos-v1',
      featureSet: FEATURE_SET,
      featureNames: [...FEATURE_NAMES],
      thresholds: { review: 0.5, block: 0.9 },
    },
  });
  const update = artifactToUpdate(await readArtifact(modelDir), modelDir);
  const producer = kafka.producer(producerConfig('idempotent'));
  await producer.connect();
  await producer.send({
    topic: topics.modelUpdates,
    acks: -1,
    messages: [{ key: 'champion', value: codecs.modelUpdate.encode(update) }],
  });
  await producer.disconnect();

  const warehousePath = join(work, 'warehouse.duckdb');
  const env = {
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    SCHEMA_REGISTRY_URL: registryUrl,
    LOG_LEVEL: 'info',
    OMP_WAIT_POLICY: 'passive',
    SCORER_GROUP_ID: 'chaos-scorer',
    SCORER_METRICS_PORT: '0',
    SCORER_SESSION_TIMEOUT_MS: '6000',
    WAREHOUSE_PATH: warehousePath,
    WAREHOUSE_PORT: '0',
    SINK_SESSION_TIMEOUT_MS: '6000',
    METRICS_PORT: '0',
    LIVE_PORT: '0',
    PRODUCER_METRICS_PORT: '0',
  };
  const sup = createSupervisor(env, o.log, join(work, 'logs'));
  try {
    return await chaosRun();
  } finally {
    // On failure too: no orphan scorers, sinks or broker left behind.
    await sup.stop();
    await stopKafka(broker).catch(() => false);
  }

  async function chaosRun(): Promise<ChaosResult> {
    const scorers = Array.from({ length: o.scorers }, (_, i) => sup.start(`scorer-${i}`, ['scorer']));
    const sink = sup.start('sink-warehouse', ['sink', 'warehouse']);
    const victims = [...scorers, sink];

    // Simulated time outruns the wall clock at full speed: start a week back so no event is in
    // the future (the scorer would rightly dead-letter it).
    const simStart = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const sim = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin', 'fraud.mjs'),
        'simulate',
        '--count',
        String(o.transactions),
        '--max',
        '--seed',
        String(o.seed),
        '--legit-label-rate',
        '0.02',
        '--metrics-port',
        '0',
        '--start',
        simStart,
      ],
      { cwd: repoRoot, env: envWith(env), stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const simDone = new Promise<number>((resolve) => sim.once('exit', (code) => resolve(code ?? 1)));

    // Kills start once transactions flow, and are spread over the publishing period.
    const probe = kafka.admin();
    await probe.connect();
    const flowing = async () =>
      (await probe.fetchTopicOffsets(topics.transactions).catch(() => [])).reduce((n, p) => n + Number(p.high), 0);
    await waitFor(async () => (await flowing()) > 0, {
      timeoutMs: 300_000,
      intervalMs: 250,
      what: 'the simulator to start publishing',
    });
    const recovery: number[] = [];
    const pendingRecoveries: Promise<void>[] = [];
    let kills = 0;
    let restarts = 0;
    const plannedBrokerRestartAt = Math.floor(o.kills / 2);
    // Kills are spread over the run: a random pause, a random victim, SIGKILL (the supervisor
    // restarts it), and a measurement of how long until its group commits progress again.
    while (kills < o.kills) {
      const published = await flowing();
      await waitFor(
        async () => (await flowing()) >= published + o.transactions / (o.kills + 2) || sim.exitCode !== null,
        { timeoutMs: 120_000, intervalMs: 100 + rand() * 400, what: 'the next kill moment' },
      );
      const v = victims[Math.floor(rand() * victims.length)]!;
      const group = v === sink ? 'sink-warehouse' : 'chaos-scorer';
      const topic = v === sink ? topics.scored : topics.transactions;
      const before = await committedSum(kafka, group, topic).catch(() => 0);
      const killedAt = Date.now();
      v.kill();
      kills++;
      o.log(`chaos: kill ${kills}/${o.kills}: SIGKILL ${v.name}`);
      pendingRecoveries.push(
        waitFor(async () => (await committedSum(kafka, group, topic)) > before, {
          timeoutMs: 180_000,
          intervalMs: 200,
          what: `${v.name} to make progress after a kill`,
        }).then(() => void recovery.push((Date.now() - killedAt) / 1000)),
      );
      if (kills === plannedBrokerRestartAt && restarts < o.brokerRestarts) {
        o.log('chaos: restarting the broker');
        await stopKafka(broker);
        await startKafka(broker);
        restarts++;
      }
    }
    while (restarts < o.brokerRestarts) {
      await stopKafka(broker);
      await startKafka(broker);
      restarts++;
    }
    const simCode = await simDone;
    await probe.disconnect();
    if (simCode !== 0) throw new Error(`the simulator exited with ${simCode}`);
    await Promise.all(pendingRecoveries);
    o.log('chaos: simulation published; waiting for the consumer groups to catch up');
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
    const unexpected = sup.all.reduce((s, p) => s + p.restarts, 0) - kills;
    await sup.stop();

    const r = await reconcile(kafka, codecs, topics);
    const labels = await readAll(kafka, topics.labels);
    const db = await (await DuckDBInstance.create(warehousePath)).connect();
    const rows = (
      await db.runAndReadAll('SELECT count(*)::BIGINT AS n, count(DISTINCT txId)::BIGINT AS d FROM scored')
    ).getRowObjects()[0]!;
    const lrows = (await db.runAndReadAll('SELECT count(*)::BIGINT AS n FROM labels')).getRowObjects()[0]!;
    db.closeSync();
    await stopKafka(broker);
    const result: ChaosResult = {
      transactions: r.transactions,
      scored: r.scored,
      dlq: r.dlq,
      lost: r.lost,
      duplicates: r.duplicates,
      kills,
      broker_restarts: restarts,
      recovery_seconds_max: +Math.max(0, ...recovery).toFixed(2),
      recovery_seconds: recovery.map((x) => +x.toFixed(2)),
      warehouse_rows: Number(rows.n),
      warehouse_distinct: Number(rows.d),
      labels_on_topic: labels.length,
      labels_in_warehouse: Number(lrows.n),
      unexpected_restarts: unexpected,
      seconds: +((Date.now() - t0) / 1000).toFixed(1),
      lost_ids: r.lostIds,
      duplicate_samples: r.duplicateSamples,
    };
    if (o.resultFile) {
      mkdirSync(join(o.resultFile, '..'), { recursive: true });
      writeFileSync(o.resultFile, JSON.stringify(result, null, 2) + '\n');
    }
    if (r.lost === 0 && r.duplicates === 0) rmSync(work, { recursive: true, force: true });
    else {
      result.work_dir = work;
      o.log(`chaos: kept ${work} (service logs in logs/) for diagnosis`);
    }
    return result;
  }
}
