/**
 * `npm run bench -- restore`: how long a new partition owner takes to rebuild its feature state,
 * today's way (replay all of scored[p]) against a snapshot (the newest committed one on the
 * compacted `scorer-state` topic plus the tail of scored[p] after it), in one run on one history:
 *   1. a scorer process scores a backlog of RESTORE_TX transactions with snapshots on, then stops;
 *   2. for each partition, the real task open (fence, committed offset, restore) with snapshots off,
 *      then on: milliseconds, records replayed; both states must be equal;
 *   3. the floor: reading scored[p] to its end without decoding anything.
 * Writes bench/results/restore.json.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, readToEnd, type Admin } from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { createLogger, waitFor } from '@fraud/common';
import { freePort } from '@fraud/common/testing';
import { readArtifact } from '@fraud/model';
import { createCodecs, topicNames } from '@fraud/schemas';
import {
  artifactToUpdate,
  createKafkaEosPort,
  createScorerMetrics,
  resolveModelSpec,
  specModule,
  type FeatureModule,
} from '@fraud/scorer';
import type { CompiledFeatureSpec, SpecState } from '@fraud/model';
import { Registry } from 'prom-client';
import { comparableState } from '@fraud/scorer/testing';
import { metricValue } from './lib/scale-report.ts';
import {
  stopChild,
  committedInputs,
  createBenchTopics,
  spawnBenchScorer,
  trainBenchModel,
  transactions,
} from './lib/scorer-bench.ts';

const BENCH = parseBenchEnv();
const N = 240_000;
const PARTITIONS = 3;
/** The scorer writes a snapshot this often while it drains the backlog (the default is 60 s). */
const SNAPSHOT_INTERVAL_MS = 5_000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stdout.write(`[bench restore] ${s}\n`);

/** What writing snapshots cost the scorer (its /metrics): how many, their mean size and encode time. */
function snapshotCosts(text: string) {
  const count = metricValue(text, 'fraud_scorer_state_snapshots_total', { outcome: 'written' });
  const encodes = metricValue(text, 'fraud_scorer_state_snapshot_seconds_count', { step: 'encode' });
  return {
    count,
    mean_bytes: count ? Math.round(metricValue(text, 'fraud_scorer_state_snapshot_bytes_sum') / count) : null,
    mean_encode_ms: encodes
      ? Math.round((metricValue(text, 'fraud_scorer_state_snapshot_seconds_sum', { step: 'encode' }) / encodes) * 1e4) /
        10
      : null,
  };
}

interface PartitionResult {
  partition: number;
  scored_records: number;
  full_ms: number;
  full_records_replayed: number;
  snapshot_ms: number;
  snapshot_tail_records: number;
  raw_read_ms: number;
  states_equal: boolean;
}

async function main(): Promise<void> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const topics = topicNames(prefix);
  const kafka = new Kafka({ clientId: 'bench-restore', brokers: ['127.0.0.1:9092'], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const created = await createBenchTopics(admin, topics, PARTITIONS);
  let child: ChildProcess | undefined;
  try {
    const codecs = await createCodecs({ registryUrl: BENCH.SCHEMA_REGISTRY_URL, topics });
    const modelDir = join(mkdtempSync(join(tmpdir(), 'bench-model-')), 'bench-v1');
    log('training the model');
    await trainBenchModel(modelDir, { version: 'bench-v1', count: 20_000, rounds: 50, nthread: 2 });

    log(`pre-loading ${N} transactions on ${PARTITIONS} partitions`);
    const txs = transactions(N, 7, prefix.slice(0, -1), Date.now() - 26 * 3_600_000);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < N; i += 10_000) {
      await producer.send({
        topic: topics.transactions,
        acks: -1,
        messages: txs.slice(i, i + 10_000).map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
      });
    }
    await producer.disconnect();

    const groupId = `${prefix}scorer`;
    const metricsPort = await freePort();
    log(`scoring the backlog (snapshots every ${SNAPSHOT_INTERVAL_MS / 1000} s)`);
    child = spawnBenchScorer(BENCH, {
      prefix,
      groupId,
      metricsPort,
      modelDir,
      env: { SCORER_SNAPSHOT_INTERVAL_MS: String(SNAPSHOT_INTERVAL_MS), SCORER_SNAPSHOT_MIN_RECORDS: '1000' },
    });
    let lastLog = 0;
    await waitFor(
      async () => {
        const n = await committedInputs(admin, groupId, topics.transactions);
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`  ${n} / ${N}`);
        }
        return n >= N;
      },
      { timeoutMs: 900_000, intervalMs: 500, what: 'the scorer to drain the backlog' },
    );
    const written = snapshotCosts(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    log(`snapshots written while scoring: ${JSON.stringify(written)}`);
    await stopChild(child);
    child = undefined;

    const update = artifactToUpdate(await readArtifact(modelDir), modelDir);
    const compiled = resolveModelSpec(update).spec as CompiledFeatureSpec;
    const logger = createLogger('bench-restore', 'warn');
    const metrics = createScorerMetrics(new Registry());
    const port = (snapshotIntervalMs: number, module: FeatureModule<SpecState>) =>
      createKafkaEosPort({
        kafka,
        admin,
        topics,
        codecs,
        specs: () => [module],
        logger,
        metrics,
        config: {
          groupId,
          appId: groupId,
          restoreTimeoutMs: 600_000,
          heartbeatIntervalMs: 3_000,
          dedupeWindow: 100_000,
          snapshotIntervalMs,
          snapshotMinRecords: 1_000,
        },
      });
    const scoredEnds = await admin.fetchTopicOffsets(topics.scored);
    const partitions: PartitionResult[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const heartbeat = async (): Promise<void> => undefined;
      // Each open gets its own views, as a fresh instance would.
      const fullModule = specModule(compiled, compiled.createViews());
      let t0 = performance.now();
      const full = await port(0, fullModule).openTask(p, heartbeat);
      const fullMs = performance.now() - t0;
      await full.close();
      const snapModule = specModule(compiled, compiled.createViews());
      t0 = performance.now();
      const snap = await port(SNAPSHOT_INTERVAL_MS, snapModule).openTask(p, heartbeat);
      const snapMs = performance.now() - t0;
      await snap.close();
      const a = comparableState(fullModule.snapshotState!(full.state.get(compiled.hash) as SpecState));
      const b = comparableState(snapModule.snapshotState!(snap.state.get(compiled.hash) as SpecState));
      t0 = performance.now();
      await readToEnd({
        kafka,
        topic: topics.scored,
        groupId: `${prefix}raw-${p}`,
        partitions: [p],
        logger,
        timeoutMs: 600_000,
        deleteGroupOnStop: true,
        onMessages: async () => undefined,
      });
      const rawMs = performance.now() - t0;
      const r: PartitionResult = {
        partition: p,
        scored_records: Number(scoredEnds.find((o) => o.partition === p)?.high ?? 0),
        full_ms: Math.round(fullMs),
        full_records_replayed: full.restoredRecords,
        snapshot_ms: Math.round(snapMs),
        snapshot_tail_records: snap.restoredRecords,
        raw_read_ms: Math.round(rawMs),
        states_equal: a === b,
      };
      log(JSON.stringify(r));
      partitions.push(r);
    }
    const mean = (f: (r: PartitionResult) => number) =>
      Math.round(partitions.reduce((s, r) => s + f(r), 0) / partitions.length);
    const fullMs = mean((r) => r.full_ms);
    const snapshotMs = mean((r) => r.snapshot_ms);
    const result = {
      benchmark: 'restore',
      at: new Date().toISOString(),
      transactions: N,
      partitions: PARTITIONS,
      snapshot_interval_ms: SNAPSHOT_INTERVAL_MS,
      per_partition: partitions,
      full_restore_ms_mean: fullMs,
      snapshot_restore_ms_mean: snapshotMs,
      speedup: Math.round((fullMs / Math.max(1, snapshotMs)) * 10) / 10,
      raw_read_ms_mean: mean((r) => r.raw_read_ms),
      full_records_per_s: Math.round(
        partitions.reduce((s, r) => s + r.full_records_replayed, 0) /
          (partitions.reduce((s, r) => s + r.full_ms, 0) / 1000),
      ),
      states_equal: partitions.every((r) => r.states_equal),
      snapshots_written: written,
      notes:
        "full: today's restore (all of scored[p]); snapshot: the newest committed snapshot plus the tail of " +
        'scored[p] after it (the tail is what was scored since the last snapshot, at most one interval); ' +
        'raw_read: reading scored[p] to its end without decoding (the floor of a full restore). Every open is the ' +
        'real one (fence, committed offset, restore) on the real broker; 2 cores shared with the broker. ' +
        'states_equal compares the two states but for lastSweep (when expired origins were last swept ' +
        'depends on batch boundaries and never changes a feature).',
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'restore.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(
      `full ${fullMs} ms, snapshot ${snapshotMs} ms per partition (x${result.speedup}); equal: ${result.states_equal}`,
    );
  } finally {
    if (child) await stopChild(child);
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
