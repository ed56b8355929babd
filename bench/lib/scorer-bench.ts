/**
 * What the scorer benchmarks (pipeline, saturation) share: scorer settings, the synthetic load, the
 * model, the topics and the scorer process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envWith, scorerNodeOptions } from '@fraud/common';
import { trainDirectArtifact, trainParams } from '@fraud/model';
import { entityEventsTopicConfig, snapshotTopicConfig, type Admin } from '@fraud/kafka';
import type { Topics, Transaction } from '@fraud/schemas';
import type { BenchEnv } from '@fraud/cli/bench-env';
import { seededRandom } from '@fraud/common/testing';

/** Scorer settings of the benchmark runs (the bench environment's SCORER_* knobs), for the scorer's environment. */
export function scorerSettings(bench: BenchEnv): Record<string, string> {
  return {
    SCORER_MAX_BATCH: String(bench.SCORER_MAX_BATCH),
    SCORER_PARTITIONS_CONCURRENTLY: String(bench.SCORER_PARTITIONS_CONCURRENTLY),
    SCORER_FETCH_MAX_WAIT_MS: String(bench.SCORER_FETCH_MAX_WAIT_MS),
    SCORER_FETCH_MIN_BYTES: String(bench.SCORER_FETCH_MIN_BYTES),
    SCORER_MAX_BYTES_PER_PARTITION: String(bench.SCORER_MAX_BYTES_PER_PARTITION),
  };
}

const TYPES = ['CASH_IN', 'CASH_OUT', 'DEBIT', 'PAYMENT', 'TRANSFER'] as const;

/** A generator of plausible transactions (about 1% "fraud": a TRANSFER emptying the account). */
export function txSource(seed: number, runId: string): (eventTime: number) => Transaction {
  const r = seededRandom(seed);
  let i = 0;
  return (eventTime) => {
    const fraud = r() < 0.01;
    const balance = Math.floor(r() * 2_000_000);
    const type = fraud ? 'TRANSFER' : TYPES[Math.floor(r() * TYPES.length)]!;
    return {
      txId: `${runId}-${i++}`,
      eventTime,
      type,
      amount: fraud ? balance : Math.floor(r() * 80_000),
      currency: 'USD',
      originAccount: `C${Math.floor(r() * 50_000)}`,
      originBalanceBefore: balance,
      destAccount: type === 'PAYMENT' ? `M${Math.floor(r() * 2_000)}` : `C${Math.floor(r() * 50_000)}`,
      destBalanceBefore: Math.floor(r() * 500_000),
      channel: null,
      attributes: {},
    };
  };
}

/** `n` transactions of `txSource`, 10 ms of event time apart from `start`. */
export function transactions(n: number, seed: number, runId: string, start: number): Transaction[] {
  const next = txSource(seed, runId);
  return Array.from({ length: n }, (_, i) => next(start + i * 10));
}

/**
 * A production-shaped model: `rounds` trees of depth 6 on the real features of `count` synthetic
 * transactions (labelled fraud: a TRANSFER emptying the account), written as an artifact in `dir`.
 */
export async function trainBenchModel(
  dir: string,
  o: { version: string; count: number; rounds: number; nthread: number },
): Promise<{ rounds: number; maxDepth: number }> {
  const txs = transactions(o.count, 99, 'train', Date.UTC(2025, 0, 1));
  const params = trainParams({
    rounds: o.rounds,
    maxDepth: 6,
    eta: 0.1,
    subsample: 0.8,
    colsampleBytree: 0.8,
    nthread: o.nthread,
  });
  await trainDirectArtifact(dir, {
    txs,
    labels: new Float32Array(txs.map((t) => (t.type === 'TRANSFER' && t.amount === t.originBalanceBefore ? 1 : 0))),
    params,
    version: o.version,
    thresholds: { review: 0.3, block: 0.8 },
  });
  return { rounds: params.rounds, maxDepth: params.maxDepth };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
export async function stopChild(c: ChildProcess, graceMs = 20_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((resolve) => c.once('exit', resolve));
  c.kill('SIGTERM');
  const kill = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(kill);
}

/** Input offsets the group has committed, summed over the topic's partitions. */
export async function committedInputs(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

/**
 * The scorer's topics for one run: transactions, scored, dlq, scorer-state (and `extra`) with
 * `partitions` partitions, model-updates and control compacted with one. Returns every topic
 * created, for the clean-up.
 */
export async function createBenchTopics(
  admin: Admin,
  topics: Topics,
  partitions: number,
  extra: readonly string[] = [],
): Promise<string[]> {
  const data = [topics.transactions, topics.scored, topics.dlq, ...extra];
  const compacted = [topics.modelUpdates, topics.control];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...data.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      ...compacted.map((topic) => ({
        topic,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      })),
      // The scorer would create it when missing, and nothing would delete it after the run.
      {
        topic: topics.stateSnapshots,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: [...snapshotTopicConfig],
      },
      {
        topic: topics.entityEvents,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: [...entityEventsTopicConfig],
      },
    ],
  });
  return [...data, ...compacted, topics.stateSnapshots, topics.entityEvents];
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `fraud scorer` in its own process on a run's topics, with the bench's scorer settings and the
 * model in `modelDir` as its bootstrap champion; its stderr goes to the bench's. `env` adds to (or
 * overrides) its environment.
 */
export function spawnBenchScorer(
  bench: BenchEnv,
  run: { prefix: string; groupId: string; metricsPort: number; modelDir: string; env?: Record<string, string> },
): ChildProcess {
  const nodeArgs = bench.BENCH_SCORER_NODE_ARGS.split(' ').filter((a) => a !== '');
  return spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'fraud.mjs'), 'scorer'], {
    cwd: ROOT,
    stdio: ['ignore', bench.BENCH_SCORER_STDOUT ? openSync(bench.BENCH_SCORER_STDOUT, 'a') : 'ignore', 'inherit'],
    env: envWith({
      ...scorerSettings(bench),
      OMP_WAIT_POLICY: 'passive',
      LOG_LEVEL: 'warn',
      TOPIC_PREFIX: run.prefix,
      SCORER_GROUP_ID: run.groupId,
      SCORER_METRICS_PORT: String(run.metricsPort),
      SCORER_METRICS_HOST: '127.0.0.1',
      MODEL_BOOTSTRAP_DIR: run.modelDir,
      SCHEMA_REGISTRY_URL: bench.SCHEMA_REGISTRY_URL,
      ...run.env,
      NODE_OPTIONS: scorerNodeOptions(run.env?.NODE_OPTIONS),
    }),
  });
}
