/**
 * Producer benchmark (npm run bench -- producer): how fast the simulator generates, how fast
 * the full publishing path (simulate -> Avro encode -> kafkajs idempotent producer -> broker,
 * acks=all) runs, and the ceiling: the same kafkajs producer sending pre-encoded records of
 * the same sizes and keys to the same broker in the same run. Bounded in count and time; it
 * creates and deletes its own topics. Writes bench/results/producer.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createKafka, type Message } from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { kafkaEnvSchema, parseEnv } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { createCodecs, topicNames } from '@fraud/schemas';
import {
  createIdempotentProducer,
  createLabelScheduler,
  createPublisher,
  createSimulator,
  runSimulation,
} from '@fraud/producers';

const SIM_COUNT = 1_000_000;
const BENCH = parseBenchEnv();
const PUB_COUNT = BENCH.BENCH_PRODUCER_COUNT;
const TIME_LIMIT_MS = 60_000;
const BATCH_SIZE = BENCH.BENCH_PRODUCER_BATCH;
const MAX_IN_FLIGHT = BENCH.BENCH_PRODUCER_IN_FLIGHT;
const ROUNDS = 2;
const START = Date.UTC(2026, 0, 1);

const env = parseEnv(kafkaEnvSchema);
const log = (s: string) => process.stdout.write(`[bench producer] ${s}\n`);

function simulatedRate(): number {
  const sim = createSimulator({ seed: 'bench', start: START });
  const t0 = performance.now();
  let n = 0;
  while (n < SIM_COUNT && (n & 4095 || performance.now() - t0 < TIME_LIMIT_MS / 4)) {
    sim.next();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  const prefix = `${uniqueName('bench-producer')}-`;
  const topics = topicNames(prefix);
  const kafka = createKafka(env, 'bench-producer');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topics.transactions, topics.labels].map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })),
  });
  try {
    const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
    const simTxPerSec = simulatedRate();
    log(`simulated ${Math.round(simTxPerSec)} tx/s`);

    // Encode-only throughput (simulate + Avro), and the pre-encoded records for the ceiling.
    const sim = createSimulator({ seed: 'bench-ceiling', start: START });
    const pre: Message[] = new Array<Message>(PUB_COUNT);
    const e0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < PUB_COUNT; i++) {
      const tx = sim.next().transaction;
      const value = codecs.transaction.encode(tx);
      bytes += value.length;
      pre[i] = { key: tx.originAccount, value };
    }
    const encodedTxPerSec = (PUB_COUNT * 1000) / (performance.now() - e0);
    log(`simulated + encoded ${Math.round(encodedTxPerSec)} tx/s, mean record ${Math.round(bytes / PUB_COUNT)} bytes`);

    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const ceilingRuns: number[] = [];
    const publishedRuns: number[] = [];
    const withLabelsRuns: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Ceiling: kafkajs alone, same producer, batch size and ordering (one request after another).
        const c0 = performance.now();
        let sent = 0;
        for (let i = 0; i < PUB_COUNT && performance.now() - c0 < TIME_LIMIT_MS; i += BATCH_SIZE) {
          const batch = pre.slice(i, i + BATCH_SIZE);
          await producer.sendBatch({ topicMessages: [{ topic: topics.transactions, messages: batch }], acks: -1 });
          sent += batch.length;
        }
        ceilingRuns.push((sent * 1000) / (performance.now() - c0));
        log(`round ${round + 1}: ceiling ${Math.round(ceilingRuns[round]!)} tx/s`);

        for (const labels of [false, true]) {
          const publisher = createPublisher({
            producer,
            topics,
            encoders: codecs,
            batchSize: BATCH_SIZE,
            maxInFlight: MAX_IN_FLIGHT,
          });
          const simulator = createSimulator({ seed: `bench-${round}-${labels}`, start: START });
          const s = await runSimulation(
            { simulator, publisher, scheduler: createLabelScheduler() },
            { count: PUB_COUNT, durationMs: TIME_LIMIT_MS, speed: 'max', labels },
          );
          const rate = (s.transactions * 1000) / s.elapsedMs;
          (labels ? withLabelsRuns : publishedRuns).push(rate);
          log(
            `round ${round + 1}: published ${Math.round(rate)} tx/s` +
              (labels ? ` with labels (${s.labels} labels)` : ''),
          );
        }
      }
    } finally {
      await producer.disconnect();
    }
    // How fast kafkajs itself can go here at all: 1, 2 and 3 worker threads, each with its own
    // producer, sending the pre-encoded records (several requests in flight). One kafkajs
    // producer saturates one core; this is the bound on any kafkajs publisher on this machine.
    const maxRuns: Record<string, number> = {};
    for (const workers of [1, 2, 3]) {
      maxRuns[`${workers}_workers`] = Math.round(await kafkajsMax(pre, topics.transactions, workers));
      log(`kafkajs at most, ${workers} worker thread(s): ${maxRuns[`${workers}_workers`]} tx/s`);
    }
    const best = (xs: number[]) => Math.round(Math.max(...xs));
    const result = {
      simulated_tx_per_s: Math.round(simTxPerSec),
      simulated_encoded_tx_per_s: Math.round(encodedTxPerSec),
      published_tx_per_s: best(publishedRuns),
      published_with_labels_tx_per_s: best(withLabelsRuns),
      ceiling_tx_per_s: best(ceilingRuns),
      published_vs_ceiling: +(best(publishedRuns) / best(ceilingRuns)).toFixed(3),
      kafkajs_max_tx_per_s: Math.max(...Object.values(maxRuns)),
      kafkajs_max_runs: maxRuns,
      goal: { published_tx_per_s: 100_000, published_vs_ceiling: 0.7 },
      runs: {
        ceiling: ceilingRuns.map(Math.round),
        published: publishedRuns.map(Math.round),
        published_with_labels: withLabelsRuns.map(Math.round),
      },
      params: {
        records_per_run: PUB_COUNT,
        batch_size: BATCH_SIZE,
        max_in_flight: MAX_IN_FLIGHT,
        rounds: ROUNDS,
        mean_record_bytes: Math.round(bytes / PUB_COUNT),
        partitions: 6,
        acks: 'all',
        idempotent: true,
        compression: 'none',
      },
      machine: {
        cpus: cpus().length,
        loadavg_1m_start: +load0.toFixed(2),
        loadavg_1m_end: +loadavg()[0]!.toFixed(2),
        node: process.version,
      },
      at: new Date().toISOString(),
    };
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'producer.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${out}\n${JSON.stringify(result, null, 2)}`);
  } finally {
    await admin
      .deleteTopics({ topics: [topics.transactions, topics.labels] })
      .catch((err: unknown) => log(`topic cleanup failed: ${String(err)}`));
    await admin.disconnect();
  }
}

/** Records per second of `workers` threads sending `pre` (split between them) at once. */
async function kafkajsMax(pre: Message[], topic: string, workers: number): Promise<number> {
  // Every worker sends all the records (a run of a few seconds per worker, like the ceiling's).
  const per = pre.length;
  const threads = Array.from({ length: workers }, (_, w) => {
    const part = pre;
    const offsets = [0];
    for (const m of part) offsets.push(offsets[offsets.length - 1]! + (m.value as Buffer).length);
    const values = Buffer.concat(part.map((m) => m.value as Buffer));
    return new Worker(new URL('./lib/kafkajs-max-worker.mjs', import.meta.url), {
      workerData: {
        brokers: env.KAFKA_BROKERS,
        topic,
        keys: part.map((m) => String(m.key)),
        values,
        offsets,
        batch: 2_000,
        inFlight: 8,
        clientId: `bench-max-${w}`,
      },
    });
  });
  const next = (t: Worker) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      t.once('message', resolve);
      t.once('error', reject);
    });
  try {
    await Promise.all(threads.map(next));
    const t0 = performance.now();
    const done = threads.map(next);
    for (const t of threads) t.postMessage('go');
    await Promise.all(done);
    return (per * workers * 1000) / (performance.now() - t0);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench producer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
