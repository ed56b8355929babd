/**
 * Saturation benchmark (npm run bench -- saturation, or npx tsx bench/saturation.ts).
 * Ramps the offered load into the real scorer (`fraud scorer`, its own process, exactly-once,
 * a real XGBoost->ONNX model) in steps until latency or lag grows without bound, then measures
 * p50/p99/p999 end-to-end latency at 25/50/75/100% of the maximum sustained throughput.
 * Latency: Kafka publish timestamp (CreateTime, = ScoredTransaction.source.publishedAt) -> the
 * decision received by a read_committed consumer of `scored`.
 * A step is sustained when the offered rate reached 90% of its target and neither the queue nor
 * the latency kept growing: the backlog (sent - read back) grew by at most GROWTH_SECONDS of
 * load between the end of the first third and the end of the step, and the median latency of
 * the last third is at most 1.5x (+1 s) that of the first third. A step is cut short as soon
 * as the backlog exceeds ABORT_SECONDS of load (clearly unbounded), which keeps the next step
 * clean. If the first ramp step is not sustained the ramp walks down (halving) instead.
 * A short unmeasured warm-up step (JIT, connections, feature caches) precedes the ramp.
 * Writes bench/results/saturation.json and bench/results/saturation.svg. Bounded to
 * BENCH_SATURATION_BUDGET_S (270 s) of steps after set-up.
 * Knobs: BENCH_SATURATION_RATES (100,200,400,800,1600,3200,6400,12800), BENCH_SATURATION_STEP_S (15),
 * BENCH_SATURATION_TREES (100).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, consumerConfig, logLevel, type Producer } from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { sortedPercentile, waitFor } from '@fraud/common';
import { FEATURE_NAMES } from '@fraud/model';
import { createCodecs, topicNames, type Codecs, type Topics, type Transaction } from '@fraud/schemas';
import { createBenchTopics, scorerSettings, spawnBenchScorer, trainBenchModel, txSource } from './lib/scorer-bench.ts';
import { saturationSvg, type ChartPoint } from './lib/saturation-chart.ts';

const BENCH = parseBenchEnv();
const RATES = BENCH.BENCH_SATURATION_RATES.split(',').map(Number);
const STEP_S = BENCH.BENCH_SATURATION_STEP_S;
const TREES = BENCH.BENCH_SATURATION_TREES;
const BUDGET_MS = BENCH.BENCH_SATURATION_BUDGET_S * 1000;
const PARTITIONS = 6;
const GROWTH_SECONDS = 1;
const ABORT_SECONDS = 8;
const DRAIN_TIMEOUT_MS = 60_000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY = BENCH.SCHEMA_REGISTRY_URL;
const log = (s: string) => process.stdout.write(`[bench saturation] ${s}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms)); // load pacing only, never a wait for a condition

async function trainModel(dir: string): Promise<{ trees: number; max_depth: number; features: number }> {
  const model = await trainBenchModel(dir, { version: 'saturation-v1', count: 20_000, rounds: TREES, nthread: 1 });
  return { trees: model.rounds, max_depth: model.maxDepth, features: FEATURE_NAMES.length };
}

/** Read-back state shared by the load steps: which step each txId belongs to, latencies per step. */
interface Tracker {
  stepOf: Map<string, number>;
  latencies: Map<number, { at: number; ms: number }[]>;
  received: number;
}

export interface StepResult {
  label: string;
  target_tx_per_s: number;
  offered_tx_per_s: number;
  seconds: number;
  sent: number;
  backlog_at_third: number;
  backlog_at_end: number;
  aborted: boolean;
  sustained: boolean;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  p50_first_third_ms: number;
  p50_last_third_ms: number;
  samples: number;
}

interface Rig {
  producer: Producer;
  codecs: Codecs;
  topics: Topics;
  tracker: Tracker;
  next: (eventTime: number) => Transaction;
  totalSent: number;
}

async function runStep(rig: Rig, id: number, label: string, rate: number, seconds = STEP_S): Promise<StepResult> {
  const { tracker } = rig;
  tracker.latencies.set(id, []);
  const receivedAtStart = tracker.received;
  const t0 = Date.now();
  let sent = 0;
  let aborted = false;
  let backlogAtThird: number | undefined;
  const backlog = () => rig.totalSent - tracker.received;
  while (Date.now() - t0 < seconds * 1000) {
    if (backlogAtThird === undefined && Date.now() - t0 >= (seconds * 1000) / 3) backlogAtThird = backlog();
    const due = Math.floor(((Date.now() - t0) / 1000) * rate) - sent;
    if (due > 0) {
      const now = Date.now();
      const txs = Array.from({ length: Math.min(due, 5_000) }, () => rig.next(now));
      for (const t of txs) tracker.stepOf.set(t.txId, id);
      await rig.producer.send({
        topic: rig.topics.transactions,
        acks: -1,
        messages: txs.map((t) => ({ key: t.originAccount, value: rig.codecs.transaction.encode(t) })),
      });
      sent += txs.length;
      rig.totalSent += txs.length;
    }
    if (Date.now() - t0 > 4_000 && backlog() > rate * ABORT_SECONDS) {
      aborted = true;
      break;
    }
    await pause(20);
  }
  const elapsed = (Date.now() - t0) / 1000;
  const backlogAtEnd = backlog();
  const growth = backlogAtEnd - (backlogAtThird ?? 0);
  log(
    `${label}: target ${rate}/s, offered ${Math.round(sent / elapsed)}/s, backlog ${backlogAtThird ?? '-'} ` +
      `-> ${backlogAtEnd}${aborted ? ' (cut short)' : ''}; draining`,
  );
  // Drain so that every sample of this step is read and the next step starts from an empty queue.
  await waitFor(() => tracker.received >= rig.totalSent, {
    timeoutMs: DRAIN_TIMEOUT_MS + backlogAtEnd * 5,
    intervalMs: 100,
    what: `the scorer to catch up after ${label} (${tracker.received - receivedAtStart}/${sent})`,
  });
  const samples = (tracker.latencies.get(id) ?? []).filter((s) => s.at - t0 >= 1_000); // first second: warm-up
  const third = (k: number) =>
    samples
      .filter((s) => Math.floor(((s.at - t0) / 1000 / elapsed) * 3) === k)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
  const first = sortedPercentile(third(0), 0.5);
  const last = sortedPercentile(third(2), 0.5);
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const offered = Math.round(sent / elapsed);
  const sustained =
    !aborted && offered >= rate * 0.9 && growth <= Math.max(rate * GROWTH_SECONDS, 100) && !(last > 1.5 * first + 1000);
  return {
    label,
    target_tx_per_s: rate,
    offered_tx_per_s: offered,
    seconds: Number(elapsed.toFixed(1)),
    sent,
    backlog_at_third: backlogAtThird ?? 0,
    backlog_at_end: backlogAtEnd,
    aborted,
    sustained,
    p50_ms: sortedPercentile(sorted, 0.5),
    p99_ms: sortedPercentile(sorted, 0.99),
    p999_ms: sortedPercentile(sorted, 0.999),
    p50_first_third_ms: first,
    p50_last_third_ms: last,
    samples: sorted.length,
  };
}

async function main(): Promise<void> {
  const began = Date.now();
  const prefix = `bench-sat-${randomUUID().slice(0, 8)}.`;
  const runId = prefix.slice(0, -1);
  const topics = topicNames(prefix);
  const kafka = new Kafka({
    clientId: 'bench-saturation',
    brokers: BENCH.KAFKA_BROKERS,
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const created = await createBenchTopics(admin, topics, PARTITIONS);
  let child: ChildProcess | undefined;
  const reader = kafka.consumer(consumerConfig('latency', { groupId: `${prefix}latency` }));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    const codecs = await createCodecs({ registryUrl: REGISTRY, topics });
    const modelDir = join(mkdtempSync(join(tmpdir(), 'bench-saturation-')), 'saturation-v1');
    log(`training the model (${TREES} trees, depth 6)`);
    const model = await trainModel(modelDir);
    child = spawnBenchScorer(BENCH, { prefix, groupId: `${prefix}scorer`, metricsPort: 0, modelDir });
    const exited = new Promise<never>((_, rej) =>
      child!.once('exit', (code, sig) => rej(new Error(`the scorer exited (${code ?? sig}) during the benchmark`))),
    );
    exited.catch(() => undefined);

    const tracker: Tracker = { stepOf: new Map(), latencies: new Map(), received: 0 };
    await reader.connect();
    await reader.subscribe({ topic: topics.scored, fromBeginning: true });
    await reader.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const s = await codecs.scored.decode(m.value!);
          const step = tracker.stepOf.get(s.transaction.txId);
          tracker.stepOf.delete(s.transaction.txId);
          tracker.received++;
          if (step !== undefined && s.source)
            tracker.latencies.get(step)?.push({ at: now, ms: now - s.source.publishedAt });
        }
      },
    });
    await producer.connect();
    const rig: Rig = { producer, codecs, topics, tracker, next: txSource(7, runId), totalSent: 0 };

    log('warm-up: 200 transactions through the scorer (model load, group join)');
    const warm = Array.from({ length: 200 }, () => rig.next(Date.now()));
    await producer.send({
      topic: topics.transactions,
      acks: -1,
      messages: warm.map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
    });
    rig.totalSent += warm.length;
    await Promise.race([
      exited,
      waitFor(() => tracker.received >= warm.length, {
        timeoutMs: 180_000,
        intervalMs: 200,
        what: 'the scorer to score the warm-up',
      }),
    ]);

    const stepsStart = Date.now();
    const left = () => BUDGET_MS - (Date.now() - stepsStart);
    let id = 0;
    log('warm-up step (not measured)');
    await Promise.race([exited, runStep(rig, id++, 'warm-up 50/s', 50, 6)]);
    const ramp: StepResult[] = [];
    const step = async (rate: number, kind: string) => {
      const r = await Promise.race([exited, runStep(rig, id++, `${kind} ${rate}/s`, rate)]);
      ramp.push(r);
      log(`  p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, p999 ${r.p999_ms} ms, sustained: ${r.sustained}`);
      return r;
    };
    for (const rate of RATES) {
      if (left() < STEP_S * 1000 * 6) {
        log('time budget: ramp stops here');
        break;
      }
      if (!(await step(rate, 'ramp')).sustained) break;
    }
    // Not even the first step held: walk down instead (a very loaded machine).
    for (
      let rate = Math.floor(RATES[0]! / 2);
      !ramp.some((r) => r.sustained) && rate >= 12 && left() > STEP_S * 1000 * 5;
      rate = Math.floor(rate / 2)
    )
      await step(rate, 'down');
    const good = ramp.filter((r) => r.sustained).sort((a, b) => b.target_tx_per_s - a.target_tx_per_s);
    const lastGood = good[0];
    const bad = ramp
      .filter((r) => !r.sustained && lastGood && r.target_tx_per_s > lastGood.target_tx_per_s)
      .sort((a, b) => a.target_tx_per_s - b.target_tx_per_s)[0];
    if (lastGood && bad && left() > STEP_S * 1000 * 5)
      await step(Math.round((lastGood.target_tx_per_s + bad.target_tx_per_s) / 2), 'refine');
    const maxSustained = Math.max(0, ...ramp.filter((r) => r.sustained).map((r) => r.offered_tx_per_s));
    log(`maximum sustained throughput: ${maxSustained} tx/s`);

    const atFraction: (StepResult & { fraction: number })[] = [];
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      if (!maxSustained) break;
      if (left() < STEP_S * 1000 + 10_000) {
        log(`time budget: skipping ${fraction * 100}% and above`);
        break;
      }
      const rate = Math.max(1, Math.round(maxSustained * fraction));
      const r = await Promise.race([exited, runStep(rig, id++, `${fraction * 100}% (${rate}/s)`, rate)]);
      atFraction.push({ fraction, ...r });
      log(`  p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, p999 ${r.p999_ms} ms`);
    }

    const result = {
      max_sustained_tx_per_s: maxSustained,
      at_fraction_of_max: atFraction.map((r) => ({
        fraction: r.fraction,
        offered_tx_per_s: r.offered_tx_per_s,
        p50_ms: r.p50_ms,
        p99_ms: r.p99_ms,
        p999_ms: r.p999_ms,
        samples: r.samples,
        sustained: r.sustained,
      })),
      ramp,
      criteria: {
        sustained:
          `offered >= 90% of target, backlog growth from 1/3 of the step to its end <= ${GROWTH_SECONDS} s ` +
          `of offered load, median latency of the last third <= 1.5x the first third + 1 s`,
        cut_short: `backlog > ${ABORT_SECONDS} s of offered load after 4 s`,
        step_seconds: STEP_S,
      },
      latency_definition:
        'Kafka publish timestamp (CreateTime = source.publishedAt) -> ScoredTransaction received by a ' +
        'read_committed consumer (maxWaitTimeInMs 5); first second of each step excluded',
      partitions: PARTITIONS,
      scorer_instances: 1,
      model,
      scorer_settings: scorerSettings(BENCH),
      machine: {
        cpus: cpus().length,
        loadavg_1m: Number(loadavg()[0]!.toFixed(2)),
        node: process.version,
        note: 'load generator, read-back consumer, scorer and broker share these cores',
      },
      duration_s: Math.round((Date.now() - began) / 1000),
      measured_at: new Date().toISOString(),
    };
    const points: ChartPoint[] = [...ramp, ...atFraction].map((r) => ({
      offered: r.offered_tx_per_s,
      p50: r.p50_ms,
      p99: r.p99_ms,
      p999: r.p999_ms,
      sustained: r.sustained,
    }));
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'saturation.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      join(dir, 'saturation.svg'),
      saturationSvg(
        points,
        maxSustained,
        `fraud scorer saturation (1 instance, ${PARTITIONS} partitions, ${cpus().length} cores)`,
      ),
    );
    log(`wrote bench/results/saturation.json and saturation.svg: ${JSON.stringify(result.at_fraction_of_max)}`);
  } finally {
    await reader.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, pause(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench saturation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nIs the stack up? ` +
      `Start it with: node bin/fraud.mjs infra up\n`,
  );
  process.exit(1);
});
