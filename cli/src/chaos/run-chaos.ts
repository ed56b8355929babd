import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from '@fraud/kafka';
import { kafkaEnvSchema, parseEnv, scorerNodeOptions, sortedPercentile, waitFor } from '@fraud/common';
import { startKafka, stopKafka, ensureTopics, type KafkaRuntimeOptions } from '@fraud/infra';
import { createRng } from '@fraud/producers';
import { createCodecs, topicNames } from '@fraud/schemas';
import {
  chaosEnv,
  injectFaults,
  publishChampion,
  readBack,
  startSimulator,
  waitForCatchUp,
  type ChaosContext,
} from './chaos-steps.ts';
import { createSupervisor } from './supervisor.ts';
import { startSyncDriver, type SyncDriverResult } from './sync-driver.ts';

export interface ChaosOptions {
  transactions: number;
  kills: number;
  brokerRestarts: number;
  scorers: number;
  seed: number;
  /** Synchronous decide requests per second sent to the scorers' owners during the run (0: none). */
  syncRate?: number;
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
  /** Synchronous decisions driven while scorers were killed (sync-driver.ts). */
  sync_requests: number;
  sync_answered: number;
  /** Answered, and not on scored. */
  sync_answered_lost: number;
  /** Answered, and on scored more than once. */
  sync_answered_doubled: number;
  /** Answered, and on scored with another decision. */
  sync_answered_other_decision: number;
  sync_gave_up: number;
  sync_retries: number;
  sync_replayed: number;
  sync_p50_ms: number | null;
  sync_p99_ms: number | null;
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
  o.log(`chaos: private broker on 127.0.0.1:${port}, data in ${work}`);
  await startKafka(broker);
  const kafka = new Kafka({ clientId: 'chaos', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const topics = topicNames('');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { partitions: 6 });
  await admin.disconnect();
  const codecs = await createCodecs({ registryUrl, topics });
  await publishChampion({ kafka, topics, codecs }, join(work, 'model'), o.seed);
  const warehousePath = join(work, 'warehouse.duckdb');
  const env = chaosEnv(port, registryUrl, warehousePath);
  const sup = createSupervisor(env, o.log, join(work, 'logs'));
  const c: ChaosContext = { o, broker, kafka, topics, codecs, env, sup, warehousePath };
  try {
    const result = await chaosRun(c, () => rng.next(), t0);
    return finishChaos(o, work, result);
  } finally {
    // On failure too: no orphan scorers, sinks or broker left behind.
    await sup.stop();
    await stopKafka(broker).catch(() => false);
  }
}

/** Services up, simulation and faults, catch-up, read back: the numbers of the run. */
async function chaosRun(c: ChaosContext, rand: () => number, t0: number): Promise<ChaosResult> {
  const { o, kafka, topics, sup } = c;
  const scorers = Array.from({ length: o.scorers }, (_, i) =>
    sup.start(`scorer-${i}`, ['scorer'], { NODE_OPTIONS: scorerNodeOptions() }),
  );
  const sink = sup.start('sink-warehouse', ['sink', 'warehouse']);
  const sim = startSimulator(c);

  // Kills start once transactions flow, and are spread over the publishing period.
  const probe = kafka.admin();
  await probe.connect();
  const published = async () =>
    (await probe.fetchTopicOffsets(topics.transactions).catch(() => [])).reduce((n, p) => n + Number(p.high), 0);
  await waitFor(async () => (await published()) > 0, {
    timeoutMs: 300_000,
    intervalMs: 250,
    what: 'the simulator to start publishing',
  });
  const sync = startSyncDriver({
    kafka,
    groupId: c.env.SCORER_GROUP_ID!,
    topic: topics.transactions,
    ratePerS: Math.max(0.001, o.syncRate ?? 20),
    deadlineMs: 60_000,
    rand,
  });
  const faults = await injectFaults(c, {
    victims: [...scorers, sink],
    sink,
    published,
    simExitCode: sim.exitCode,
    rand,
  });
  const simCode = await sim.done;
  await probe.disconnect();
  if (simCode !== 0) throw new Error(`the simulator exited with ${simCode}`);
  await Promise.all(faults.pendingRecoveries);
  const driven = await sync.stop();
  o.log(`chaos: ${driven.answered.size} of ${driven.requests} synchronous decisions answered`);
  o.log('chaos: simulation published; waiting for the consumer groups to catch up');
  await waitForCatchUp(c);
  const unexpected = sup.all.reduce((s, p) => s + p.restarts, 0) - faults.kills;
  await sup.stop();

  const b = await readBack(c, new Set(driven.answered.keys()));
  const checked = checkAnswered(driven, b.r.watched);
  await stopKafka(c.broker);
  return {
    transactions: b.r.transactions,
    scored: b.r.scored,
    dlq: b.r.dlq,
    lost: b.r.lost,
    duplicates: b.r.duplicates,
    kills: faults.kills,
    broker_restarts: faults.restarts,
    recovery_seconds_max: +Math.max(0, ...faults.recovery).toFixed(2),
    recovery_seconds: faults.recovery.map((x) => +x.toFixed(2)),
    warehouse_rows: b.warehouseRows,
    warehouse_distinct: b.warehouseDistinct,
    labels_on_topic: b.labelsOnTopic,
    labels_in_warehouse: b.labelsInWarehouse,
    unexpected_restarts: unexpected,
    ...checked,
    seconds: +((Date.now() - t0) / 1000).toFixed(1),
    lost_ids: b.r.lostIds,
    duplicate_samples: b.r.duplicateSamples,
  };
}

/** The synchronous decisions answered during the run against what `scored` holds for them. */
function checkAnswered(d: SyncDriverResult, onScored: Map<string, string[]>) {
  let [lost, doubled, other] = [0, 0, 0];
  for (const [txId, decision] of d.answered) {
    const copies = onScored.get(txId) ?? [];
    if (copies.length === 0) lost++;
    else if (copies.length > 1) doubled++;
    else if (copies[0] !== decision) other++;
  }
  const lat = [...d.latenciesMs].sort((a, b) => a - b);
  const pct = (q: number) => (lat.length ? sortedPercentile(lat, q) : null);
  return {
    sync_requests: d.requests,
    sync_answered: d.answered.size,
    sync_answered_lost: lost,
    sync_answered_doubled: doubled,
    sync_answered_other_decision: other,
    sync_gave_up: d.gaveUp,
    sync_retries: d.retries,
    sync_replayed: d.replayed,
    sync_p50_ms: pct(0.5),
    sync_p99_ms: pct(0.99),
  };
}

/** Writes the result file if asked; keeps the work folder only when something was lost or doubled. */
function finishChaos(o: ChaosOptions, work: string, result: ChaosResult): ChaosResult {
  if (o.resultFile) {
    mkdirSync(join(o.resultFile, '..'), { recursive: true });
    writeFileSync(o.resultFile, JSON.stringify(result, null, 2) + '\n');
  }
  const syncBad = result.sync_answered_lost + result.sync_answered_doubled + result.sync_answered_other_decision;
  if (result.lost === 0 && result.duplicates === 0 && syncBad === 0) rmSync(work, { recursive: true, force: true });
  else {
    result.work_dir = work;
    o.log(`chaos: kept ${work} (service logs in logs/) for diagnosis`);
  }
  return result;
}
