/**
 * Pipeline benchmark (npm run bench -- pipeline, or npx tsx bench/pipeline.ts). Writes
 * bench/results/pipeline.json. All against the local broker, in one run:
 *   1. ceiling: a plain kafkajs consume -> produce passthrough (no transactions, no decoding)
 *      draining N pre-loaded transactions;
 *   2. sustained: the real scorer (`fraud scorer`, its own process, exactly-once on: decode,
 *      features, ONNX, policy, explanations, one Kafka transaction per batch) draining the same N;
 *   3. latency at a fixed load (2k tx/s): Kafka publish timestamp -> the decision visible to a
 *      read_committed consumer;
 *   4. lost / duplicates: every published txId read back from `scored` (read_committed).
 * Sizes: BENCH_PIPELINE_TX (200000), BENCH_PIPELINE_RATE (2000), BENCH_PIPELINE_SECONDS (20);
 * BENCH_PIPELINE_OUT names the result file (pipeline.json).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Admin, Kafka, byRequestSize, consumerConfig, logLevel, readToEnd } from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { createLogger, sortedPercentile, waitFor } from '@fraud/common';
import { FEATURE_NAMES } from '@fraud/model';
import { createCodecs, topicNames } from '@fraud/schemas';
import { freePort } from '@fraud/common/testing';
import {
  committedInputs,
  createBenchTopics,
  scorerSettings,
  spawnBenchScorer,
  trainBenchModel,
  transactions,
} from './lib/scorer-bench.ts';
import { createTimeline } from './lib/timeline.ts';

const BENCH = parseBenchEnv();
const N = BENCH.BENCH_PIPELINE_TX;
const RATE = BENCH.BENCH_PIPELINE_RATE;
const SECONDS = BENCH.BENCH_PIPELINE_SECONDS;
const PARTITIONS = 6;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY = BENCH.SCHEMA_REGISTRY_URL;
const log = (s: string) => process.stdout.write(`[bench pipeline] ${s}\n`);

/** A production-sized model: 200 trees of depth 6 on the real features of synthetic history. */
async function trainModel(dir: string): Promise<{ rounds: number; depth: number }> {
  const model = await trainBenchModel(dir, { version: 'bench-v1', count: 40_000, rounds: 200, nthread: 2 });
  return { rounds: model.rounds, depth: model.maxDepth };
}

/** Polls `done()` (a count) until it reaches `total`; rate over the span after the first progress. */
async function measureDrain(
  total: number,
  done: () => Promise<number>,
  what: string,
): Promise<{ perSecond: number; seconds: number; firstAt: number }> {
  let first: { t: number; n: number } | undefined;
  const deadline = Date.now() + 30 * 60_000;
  let last = -1;
  let lastLog = Date.now();
  for (;;) {
    const n = await done();
    const t = performance.now();
    if (!first && n > 0) first = { t, n };
    if (n >= total && first) {
      const seconds = (t - first.t) / 1000;
      return { perSecond: Math.round((n - first.n) / seconds), seconds, firstAt: first.t };
    }
    if (Date.now() > deadline) throw new Error(`${what}: stuck at ${n}/${total}`);
    if (Date.now() - lastLog > 2_000 && n !== last) {
      log(`${what}: ${n}/${total}`);
      lastLog = Date.now();
      last = n;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The scorer's destination-view metrics from its /metrics text (whole run: drain and load). */
function destViewMetrics(text: string): Record<string, number> {
  const value = (name: string): number => {
    const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm'));
    return m ? Number(m[1]) : Number.NaN;
  };
  const waited = value('fraud_scorer_dest_view_wait_seconds_count');
  return {
    batches: value('fraud_scorer_batch_size_count'),
    batches_waited: waited,
    mean_wait_ms:
      waited > 0 ? Number(((value('fraud_scorer_dest_view_wait_seconds_sum') / waited) * 1000).toFixed(2)) : 0,
    lagging_batches: value('fraud_scorer_dest_view_lagging_batches_total'),
    records_read: value('fraud_scorer_dest_view_records_total'),
  };
}

const STAGES = ['fetch', 'decode', 'view_wait', 'score', 'commit'] as const;

/** Per-stage seconds summed over committed records, and the records consumed, from /metrics text. */
function stageTotals(text: string): { consumed: number; stages: Record<string, number> } {
  const value = (re: RegExp): number => {
    const m = text.match(re);
    return m ? Number(m[1]) : 0;
  };
  const stages: Record<string, number> = {};
  for (const stage of STAGES) {
    stages[stage] = value(
      new RegExp(`^fraud_scorer_stage_record_seconds_total\\{[^}]*stage="${stage}"[^}]*\\} ([0-9.e+-]+)$`, 'm'),
    );
  }
  return { consumed: value(/^fraud_scorer_consumed_total(?:\{[^}]*\})? ([0-9.e+-]+)$/m), stages };
}

/**
 * Where a record's end-to-end time goes at the load, as means per record in ms: the scorer's
 * stages over the load's records (deltas of its counters), and the rest (the publisher's append,
 * the reader's read_committed fetch) as the mean end to end minus their sum.
 */
function breakdown(
  before: ReturnType<typeof stageTotals>,
  after: ReturnType<typeof stageTotals>,
  meanEndToEndMs: number,
): Record<string, number> {
  const n = Math.max(1, after.consumed - before.consumed);
  const out: Record<string, number> = {};
  let sum = 0;
  for (const stage of STAGES) {
    const ms = ((after.stages[stage]! - before.stages[stage]!) / n) * 1000;
    out[`${stage}_ms`] = +ms.toFixed(2);
    sum += ms;
  }
  out.reader_and_rest_ms = +(meanEndToEndMs - sum).toFixed(2);
  out.mean_end_to_end_ms = +meanEndToEndMs.toFixed(2);
  return out;
}

async function main(): Promise<void> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const topics = topicNames(prefix);
  const passthrough = `${prefix}passthrough`;
  const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: ['127.0.0.1:9092'], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const created = await createBenchTopics(admin, topics, PARTITIONS, [passthrough]);
  let child: ChildProcess | undefined;
  try {
    const codecs = await createCodecs({ registryUrl: REGISTRY, topics });
    const modelDir = join(mkdtempSync(join(tmpdir(), 'bench-model-')), 'bench-v1');
    log('training the model (200 trees, depth 6)');
    const model = await trainModel(modelDir);

    log(`pre-loading ${N} transactions`);
    const runId = prefix.slice(0, -1);
    const txs = transactions(N, 7, runId, Date.now() - 3_600_000);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const loadStart = performance.now();
    for (let i = 0; i < N; i += 10_000) {
      await producer.send({
        topic: topics.transactions,
        acks: -1,
        messages: txs.slice(i, i + 10_000).map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
      });
    }
    log(`pre-loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

    // 1. Ceiling: plain consume -> produce, same broker, same partitions, same concurrency.
    log('ceiling: plain kafkajs passthrough');
    const ptGroup = `${prefix}passthrough-group`;
    const ptConsumer = kafka.consumer({
      groupId: ptGroup,
      maxBytesPerPartition: BENCH.SCORER_MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: 5,
    });
    const ptProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([ptConsumer.connect(), ptProducer.connect()]);
    await ptConsumer.subscribe({ topic: topics.transactions, fromBeginning: true });
    let copied = 0;
    await ptConsumer.run({
      partitionsConsumedConcurrently: BENCH.SCORER_PARTITIONS_CONCURRENTLY,
      eachBatch: async ({ batch }) => {
        // Requests under the broker's 1 MiB record-batch limit, as the scorer does.
        const out = batch.messages.map((m) => ({
          topic: passthrough,
          key: m.key,
          value: m.value,
          partition: batch.partition,
        }));
        for (const group of byRequestSize(out, 512 * 1024))
          await ptProducer.sendBatch({ topicMessages: group, acks: -1 });
        copied += batch.messages.length;
      },
    });
    const ceiling = await measureDrain(N, async () => copied, 'passthrough');
    await Promise.all([ptConsumer.disconnect(), ptProducer.disconnect()]);
    log(`ceiling ${ceiling.perSecond} tx/s`);

    // 2. Sustained: the scorer process drains the same N with exactly-once on.
    const groupId = `${prefix}scorer`;
    const metricsPort = await freePort();
    log('sustained: fraud scorer (exactly-once) draining the backlog');
    const spawnedAt = performance.now();
    child = spawnBenchScorer(BENCH, { prefix, groupId, metricsPort, modelDir });
    const sustained = await measureDrain(N, () => committedInputs(admin, groupId, topics.transactions), 'scorer');
    log(
      `sustained ${sustained.perSecond} tx/s (${((sustained.perSecond / ceiling.perSecond) * 100).toFixed(0)}% of ` +
        `the ceiling)`,
    );
    // Start-up includes the destination view reading the whole backlog once before scoring starts.
    const startupSeconds = (sustained.firstAt - spawnedAt) / 1000;
    log(`scorer start-up to its first commit: ${startupSeconds.toFixed(1)} s`);

    // 3. Latency at a fixed load, measured by a read_committed consumer of `scored`.
    const reader = kafka.consumer(consumerConfig('latency', { groupId: `${prefix}latency` }));
    const latencies: number[] = [];
    let joined = false;
    reader.on(reader.events.GROUP_JOIN, () => void (joined = true));
    await reader.connect();
    await reader.subscribe({ topic: topics.scored, fromBeginning: false });
    const loadIds = new Set<string>();
    const metricsText = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    // The runtime's metrics only: the full scrape's state-bytes walk each second would add load.
    const timeline = createTimeline({
      scorerPid: child.pid,
      metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics?name=nodejs_`)).text(),
    });
    await reader.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const s = await codecs.scored.decode(m.value!);
          if (!loadIds.has(s.transaction.txId)) continue;
          latencies.push(now - s.source!.publishedAt);
          timeline.record(s.source!.publishedAt, now - s.source!.publishedAt);
        }
      },
    });
    await waitFor(() => joined, { timeoutMs: 60_000, what: 'the latency reader to join' });
    // Wait until the reader has its positions (end of scored) before sending the load.
    await new Promise((r) => setTimeout(r, 1_000));
    log(`latency: ${RATE} tx/s for ${SECONDS} s`);
    const scrape = async () => stageTotals(await metricsText());
    const stagesBefore = await scrape();
    await timeline.start();
    const load = transactions(RATE * SECONDS, 8, `${runId}-load`, Date.now() - 60_000);
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
    const loadStartMs = Date.now();
    let sent = 0;
    while (sent < load.length) {
      const due = Math.min(load.length, Math.floor(((Date.now() - loadStartMs) / 1000) * RATE) + perTick);
      if (due > sent) {
        const slice = load.slice(sent, due);
        for (const t of slice) loadIds.add(t.txId);
        await producer.send({
          topic: topics.transactions,
          acks: -1,
          messages: slice.map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
        });
        sent = due;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    const loadSeconds = (Date.now() - loadStartMs) / 1000;
    await waitFor(() => latencies.length >= load.length, {
      timeoutMs: 120_000,
      what: 'every load transaction to be read back',
    });
    const perSecond = await timeline.stop();
    await reader.disconnect();
    const meanLatency = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
    const latencyBreakdown = breakdown(stagesBefore, await scrape(), meanLatency);
    log(`latency breakdown (mean ms per record): ${JSON.stringify(latencyBreakdown)}`);
    // The first second warms connections and caches; it is excluded.
    const warm = Math.min(RATE, Math.floor(latencies.length / 10));
    const sorted = latencies.slice(warm).sort((a, b) => a - b);

    // 4. Lost / duplicates: read every committed decision back.
    const total = N + load.length;
    await waitFor(async () => (await committedInputs(admin, groupId, topics.transactions)) >= total, {
      timeoutMs: 120_000,
      what: 'the scorer to commit everything',
    });
    const view = destViewMetrics(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    log(`destination view: ${JSON.stringify(view)}`);
    const seen = new Map<string, number>();
    await readToEnd({
      kafka,
      topic: topics.scored,
      groupId: `${prefix}readback`,
      logger: createLogger('bench', 'warn'),
      timeoutMs: 300_000,
      onMessages: async (messages) => {
        for (const m of messages) {
          const s = await codecs.scored.decode(m.value!);
          seen.set(s.transaction.txId, (seen.get(s.transaction.txId) ?? 0) + 1);
        }
      },
    });
    let lost = 0;
    for (const t of [...txs, ...load]) if (!seen.has(t.txId)) lost++;
    let duplicates = 0;
    for (const n of seen.values()) duplicates += n - 1;
    await producer.disconnect();

    // 5. The floor of any exactly-once decision here: one minimal Kafka transaction (one record,
    // the input offset, commit) through kafkajs, back to back, on the same broker, scorer idle.
    const quiet = new Kafka({ clientId: 'bench-floor', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
    const floor = await transactionFloor(quiet, passthrough, `${prefix}floor`);
    log(`one minimal transaction: p50 ${floor.p50} ms, p99 ${floor.p99} ms`);

    const result = {
      sustained_tx_per_s: sustained.perSecond,
      ceiling_tx_per_s: ceiling.perSecond,
      sustained_vs_ceiling: Number((sustained.perSecond / ceiling.perSecond).toFixed(3)),
      startup_to_first_commit_s: Number(startupSeconds.toFixed(2)),
      dest_view: view,
      latency_breakdown: latencyBreakdown,
      p50_ms: sortedPercentile(sorted, 0.5),
      p95_ms: sortedPercentile(sorted, 0.95),
      p99_ms: sortedPercentile(sorted, 0.99),
      max_ms: sorted[sorted.length - 1] ?? Number.NaN,
      timeline: perSecond,
      load_tx_per_s: Math.round(load.length / loadSeconds),
      transaction_floor_p50_ms: floor.p50,
      transaction_floor_p99_ms: floor.p99,
      lost,
      duplicates,
      transactions: N,
      load_transactions: load.length,
      partitions: PARTITIONS,
      model: { trees: model.rounds, max_depth: model.depth, features: FEATURE_NAMES.length },
      scorer_settings: scorerSettings(BENCH),
      latency_definition:
        'Kafka publish timestamp (CreateTime) -> ScoredTransaction received by a read_committed consumer ' +
        '(maxWaitTimeInMs 5), first 10% of samples excluded as warm-up',
      machine: { cpus: cpus().length, loadavg_1m: Number(loadavg()[0]!.toFixed(2)), node: process.version },
      measured_at: new Date().toISOString(),
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', BENCH.BENCH_PIPELINE_OUT), `${JSON.stringify(result, null, 2)}\n`);
    log(JSON.stringify(result));
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Milliseconds of one minimal exactly-once step (send one record, sendOffsets, commit) by a
 * kafkajs transactional producer, 200 in a row after 20 warm-ups. No decision made through a Kafka
 * transaction can become visible faster than this.
 */
async function transactionFloor(kafka: Kafka, topic: string, groupId: string): Promise<{ p50: number; p99: number }> {
  const producer = kafka.producer({
    transactionalId: `${groupId}-tx`,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 5, multiplier: 1.5, maxRetryTime: 1_000, retries: 60 },
  });
  await producer.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < 220; i++) {
      const t0 = performance.now();
      const tx = await producer.transaction();
      await tx.send({ topic, acks: -1, messages: [{ key: 'floor', value: Buffer.alloc(300), partition: 0 }] });
      await tx.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }],
      });
      await tx.commit();
      if (i >= 20) times.push(performance.now() - t0);
    }
  } finally {
    await producer.disconnect();
  }
  times.sort((a, b) => a - b);
  return {
    p50: Number(sortedPercentile(times, 0.5).toFixed(1)),
    p99: Number(sortedPercentile(times, 0.99).toFixed(1)),
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench pipeline failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
