/**
 * Scale benchmark (npm run bench -- scale, or npx tsx bench/scale.ts). Writes bench/results/scale.json.
 * For N = 1, 2, 3: N `fraud scorer` processes (exactly-once, one consumer group, each with its own
 * /metrics port) on fresh topics of 6 partitions; once the group is stable with N members owning
 * every partition, the same backlog of TX synthetic transactions is published and drained. Per
 * instance, from its /metrics: records decoded by source (fraud_scorer_records_decoded_total),
 * estimated state bytes by kind (fraud_scorer_state_bytes), CPU seconds while the backlog drained
 * (process_cpu_seconds_total) and heapUsed after a forced GC (node --expose-gc, a cross-check).
 * Per N: throughput (backlog / first publish to last commit) and lost / duplicates (every txId of
 * `transactions` exactly once in `scored` or the DLQ, read_committed: the chaos run's reconcile).
 * The shares (issue 18): mean per-instance figure at N over the one-instance figure.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, readOwners, type Admin } from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { waitFor } from '@fraud/common';
import { freePort } from '@fraud/common/testing';
import { createCodecs, topicNames, type Codecs, type Transaction } from '@fraud/schemas';
import { committedSum, reconcile } from '../cli/src/chaos/verify.ts';
import {
  stopChild,
  createBenchTopics,
  scorerSettings,
  spawnBenchScorer,
  trainBenchModel,
  transactions,
} from './lib/scorer-bench.ts';
import {
  DECODED_SOURCES,
  STATE_KINDS,
  instanceFigures,
  meetsGoal,
  metricValue,
  round,
  share,
  type InstanceFigures,
} from './lib/scale-report.ts';

const BENCH = parseBenchEnv();
const TX = 240_000;
const PARTITIONS = 6;
const INSTANCES = [1, 2, 3] as const;
const TREES = 100;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stdout.write(`[bench scale] ${s}\n`);

type EntityState = 'partitioned' | 'global';

interface RunResult {
  n: number;
  entity_state: EntityState;
  throughput_tx_per_s: number;
  publish_s: number;
  drain_s: number;
  instances: InstanceFigures[];
  transactions: number;
  scored: number;
  dlq: number;
  lost: number;
  duplicates: number;
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`scorer /metrics on :${port} answered ${res.status}`);
  return res.text();
}

/** Whether the instance's /metrics answers yet (it starts after the instance joined the group). */
async function serving(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then(
    (res) => res.ok,
    () => false, // not listening yet: asked again until the deadline
  );
}

async function publish(kafka: Kafka, topic: string, codecs: Codecs, txs: readonly Transaction[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < txs.length; i += 10_000) {
      await producer.send({
        topic,
        acks: -1,
        messages: txs.slice(i, i + 10_000).map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Resolves once the group is Stable with `n` members that own every partition between them. */
async function groupStable(admin: Admin, groupId: string, topic: string, n: number): Promise<void> {
  await waitFor(
    async () => {
      const { owners } = await readOwners(admin, groupId, topic);
      return owners.size === PARTITIONS && new Set([...owners.values()].map((o) => o.memberId)).size === n;
    },
    { timeoutMs: 240_000, intervalMs: 500, what: `${n} scorer instance(s) to share the ${PARTITIONS} partitions` },
  );
}

async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => stopChild(child, 15_000)));
}

/** N scorer instances on fresh topics drain the backlog; each instance's figures, throughput, lost/duplicates. */
async function runScale(
  kafka: Kafka,
  admin: Admin,
  n: number,
  txs: readonly Transaction[],
  modelDir: string,
  mode: EntityState,
) {
  const prefix = `bench-scale-${randomUUID().slice(0, 8)}-${mode.slice(0, 4)}-n${n}.`;
  const topics = topicNames(prefix);
  const groupId = `${prefix}scorer`;
  const created = await createBenchTopics(admin, topics, PARTITIONS);
  const children: ChildProcess[] = [];
  try {
    const codecs = await createCodecs({ registryUrl: BENCH.SCHEMA_REGISTRY_URL, topics });
    const ports: number[] = [];
    for (let i = 0; i < n; i++) ports.push(await freePort());
    for (const metricsPort of ports) {
      const env = { NODE_OPTIONS: '--expose-gc', SCORER_ENTITY_STATE: mode };
      children.push(spawnBenchScorer(BENCH, { prefix, groupId, metricsPort, modelDir, env }));
    }
    const exited = Promise.race(
      children.map(
        (c) =>
          new Promise<never>((_, rej) =>
            c.once('exit', (code, sig) => rej(new Error(`a scorer exited (${code ?? sig})`))),
          ),
      ),
    );
    exited.catch(() => undefined);
    log(`N=${n}: waiting for the group to settle`);
    await Promise.race([exited, groupStable(admin, groupId, topics.transactions, n)]);
    await Promise.race([
      exited,
      waitFor(async () => (await Promise.all(ports.map(serving))).every(Boolean), {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "every instance's /metrics",
      }),
    ]);
    const before = await Promise.all(ports.map(scrape));

    log(`N=${n}: publishing ${txs.length} transactions`);
    const t0 = performance.now();
    await Promise.race([exited, publish(kafka, topics.transactions, codecs, txs)]);
    const published = performance.now();
    await Promise.race([
      exited,
      waitFor(async () => (await committedSum(kafka, groupId, topics.transactions)) >= txs.length, {
        timeoutMs: 600_000,
        intervalMs: 250,
        what: `${n} scorer instance(s) to commit the backlog`,
      }),
    ]);
    const drained = performance.now();
    // The views (global) or the entity owners (partitioned) read independently of the scoring:
    // let them finish the backlog (global: each instance all of it; partitioned: one copy each in all).
    const decodedBy = (t: string, source: string) => metricValue(t, 'fraud_scorer_records_decoded_total', { source });
    await Promise.race([
      exited,
      waitFor(
        async () => {
          const texts = await Promise.all(ports.map(scrape));
          if (mode === 'global') return texts.every((t) => decodedBy(t, 'view') >= txs.length);
          return texts.reduce((a, t) => a + decodedBy(t, 'entity'), 0) >= txs.length;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the views or entity owners to read the backlog' },
      ),
    ]);
    const after = await Promise.all(ports.map(scrape));
    const instances = before.map((b, i) => instanceFigures(b, after[i]!));
    const r = await reconcile(kafka, codecs, topics);
    const drainS = (drained - t0) / 1000;
    const result: RunResult = {
      n,
      entity_state: mode,
      throughput_tx_per_s: Math.round(txs.length / drainS),
      publish_s: round((published - t0) / 1000, 2),
      drain_s: round(drainS, 2),
      instances,
      transactions: r.transactions,
      scored: r.scored,
      dlq: r.dlq,
      lost: r.lost,
      duplicates: r.duplicates,
    };
    log(`${mode} N=${n}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await stopAll(children);
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
  }
}

function shares(all: readonly RunResult[], mode: EntityState) {
  const runs = all.filter((r) => r.entity_state === mode);
  const base = runs.find((r) => r.n === 1)!.instances;
  // A mode run at fewer N (the global baseline: 1 and 3) has no figures at the others: empty, NaN shares.
  const at = (n: number) => runs.find((r) => r.n === n)?.instances ?? [];
  const by = <K extends string>(keys: readonly K[], n: number, pick: (i: InstanceFigures, k: K) => number) =>
    Object.fromEntries(keys.map((k) => [k, share(base, at(n), (i) => pick(i, k))]));
  return {
    decoded_share_at_2: share(base, at(2), (i) => i.decoded.total),
    decoded_share_at_3: share(base, at(3), (i) => i.decoded.total),
    state_share_at_2: share(base, at(2), (i) => i.state_bytes.total),
    state_share_at_3: share(base, at(3), (i) => i.state_bytes.total),
    cpu_share_at_2: share(base, at(2), (i) => i.cpu_seconds),
    cpu_share_at_3: share(base, at(3), (i) => i.cpu_seconds),
    decoded_share_by_source_at_3: by(DECODED_SOURCES, 3, (i, k) => i.decoded[k]),
    state_share_by_kind_at_3: by(STATE_KINDS, 3, (i, k) => i.state_bytes[k]),
  };
}

async function main(): Promise<void> {
  const began = Date.now();
  const kafka = new Kafka({ clientId: 'bench-scale', brokers: BENCH.KAFKA_BROKERS, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const modelDir = join(mkdtempSync(join(tmpdir(), 'bench-scale-')), 'scale-v1');
    log(`training the model (${TREES} trees, depth 6)`);
    const model = await trainBenchModel(modelDir, { version: 'scale-v1', count: 20_000, rounds: TREES, nthread: 1 });
    // One backlog for every N (same txIds, event times and keys; each N has topics of its own).
    const txs = transactions(TX, 7, 'bench-scale', Date.now() - 3_600_000);
    const runs: RunResult[] = [];
    for (const n of INSTANCES) runs.push(await runScale(kafka, admin, n, txs, modelDir, 'partitioned'));
    // Before issue 18's entity state, in the same run: every instance reads all of transactions.
    for (const n of [1, 3]) runs.push(await runScale(kafka, admin, n, txs, modelDir, 'global'));
    const s = shares(runs, 'partitioned');
    const g = shares(runs, 'global');
    const one = (mode: EntityState) => runs.find((r) => r.entity_state === mode && r.n === 1)!;
    const perInstance = (mode: EntityState, n: number, pick: (i: InstanceFigures) => number) => {
      const list = runs.find((r) => r.entity_state === mode && r.n === n)!.instances;
      return list.reduce((a, i) => a + pick(i), 0) / list.length;
    };
    const result = {
      ...s,
      entity_state: 'partitioned',
      global_view: {
        decoded_share_at_3: g.decoded_share_at_3,
        state_share_at_3: g.state_share_at_3,
        cpu_share_at_3: g.cpu_share_at_3,
      },
      // Per instance at 3, partitioned over global (the absolute saving, not only the split).
      partitioned_over_global_at_3: {
        decoded: round(
          perInstance('partitioned', 3, (i) => i.decoded.total) / perInstance('global', 3, (i) => i.decoded.total),
          3,
        ),
        state: round(
          perInstance('partitioned', 3, (i) => i.state_bytes.total) /
            perInstance('global', 3, (i) => i.state_bytes.total),
          3,
        ),
        cpu: round(
          perInstance('partitioned', 3, (i) => i.cpu_seconds) / perInstance('global', 3, (i) => i.cpu_seconds),
          3,
        ),
      },
      throughput_one_instance: {
        partitioned: one('partitioned').throughput_tx_per_s,
        global: one('global').throughput_tx_per_s,
      },
      goal_met_at_3: {
        decoded: meetsGoal(s.decoded_share_at_3, 3),
        state: meetsGoal(s.state_share_at_3, 3),
      },
      lost: runs.reduce((a, r) => a + r.lost, 0),
      duplicates: runs.reduce((a, r) => a + r.duplicates, 0),
      runs,
      notes:
        'Shares: mean per-instance figure at N over the one-instance figure of the same mode (goal: <= 1/N + 0.1). ' +
        'partitioned (SCORER_ENTITY_STATE=partitioned; the default is global): the repartition stage decodes ' +
        'each payment once (decoded.repartition), the owner of its destination partition decodes its copy ' +
        '(decoded.entity) and holds its events (state_bytes.view); all of it splits by instance. ' +
        'global_view (before issue 18, same run): ' +
        'every instance reads every partition of transactions into its own view, so decoded.view and ' +
        'state_bytes.view stay at 1x per instance. state_bytes: estimate from the structures ' +
        '(scorer/src/state-bytes.ts); heap_used_after_gc: the ' +
        "process's whole heap (code, model, buffers) as a cross-check. cpu_seconds: while the backlog drained (the " +
        'views included); cpu_seconds_process adds start-up. Instances share the cores with the broker and the ' +
        'publisher, so throughput does not scale here.',
      transactions: TX,
      partitions: PARTITIONS,
      model: { trees: model.rounds, max_depth: model.maxDepth },
      scorer_settings: scorerSettings(BENCH),
      machine: { cpus: cpus().length, loadavg_1m: Number(loadavg()[0]!.toFixed(2)), node: process.version },
      duration_s: Math.round((Date.now() - began) / 1000),
      measured_at: new Date().toISOString(),
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'scale.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote bench/results/scale.json: ${JSON.stringify(s)}`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
