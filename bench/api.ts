/**
 * `npm run bench -- api`: the decision API under a closed-loop load of 32 concurrent clients,
 * end to end through Kafka and a real scorer (separate processes), next to the same
 * request-reply done directly on Kafka (no HTTP) in the same run.
 * Writes bench/results/api.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { envWith, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { consumerConfig } from '@fraud/kafka';
import { testKafka, testTopics } from '@fraud/kafka/testing';
import { createCodecs, topicNames, type ScoredTransaction, type Transaction } from '@fraud/schemas';
import { createBatcher, createDecisionWaiter, createKey } from '@fraud/api';
import { repoRoot } from '@fraud/infra';
import { makeTransactions, trainTinyModel } from '@fraud/scorer/testing';

const CLIENTS = 32;
const WARMUP_S = 3;
const BENCH = parseBenchEnv();
const MEASURE_S = BENCH.BENCH_SECONDS;
const REGISTRY = BENCH.SCHEMA_REGISTRY_URL;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function closedLoop(name: string, call: (tx: Transaction) => Promise<'ok' | 'timeout'>, txs: () => Transaction) {
  const lat: number[] = [];
  let timeouts = 0;
  let measuring = false;
  let stop = false;
  const t0 = Date.now();
  const workers = Array.from({ length: CLIENTS }, async () => {
    while (!stop) {
      const s = performance.now();
      const r = await call(txs());
      if (measuring) {
        lat.push(performance.now() - s);
        if (r === 'timeout') timeouts++;
      }
    }
  });
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  measuring = true;
  const m0 = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
  measuring = false;
  const seconds = (performance.now() - m0) / 1000;
  stop = true;
  await Promise.all(workers);
  lat.sort((a, b) => a - b);
  const out = {
    requests: lat.length,
    requests_per_s: Math.round(lat.length / seconds),
    p50_ms: +pct(lat, 50).toFixed(2),
    p99_ms: +pct(lat, 99).toFixed(2),
    timeouts,
  };
  process.stdout.write(`${name}: ${JSON.stringify(out)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  return out;
}

async function main(): Promise<void> {
  setGlobalDispatcher(new Agent({ connections: CLIENTS * 2, pipelining: 1, keepAliveTimeout: 30_000 }));
  const prefix = `${uniqueName('bench-api')}.`;
  const topics = topicNames(prefix);
  const kafka = testKafka('bench-api');
  const admin = await testTopics(kafka);
  for (const t of [topics.transactions, topics.scored, topics.dlq, topics.labels]) await admin.create(t, 6);
  await admin.create(topics.modelUpdates, 1, {
    'cleanup.policy': 'compact',
    'max.message.bytes': String(16 * 1024 * 1024),
  });
  await admin.create(topics.control, 1, { 'cleanup.policy': 'compact' });
  const codecs = await createCodecs({ registryUrl: REGISTRY, topics });
  const model = await trainTinyModel('bench-api-v1');
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const keyFile = join(dir, 'keys.json');
  const key = createKey(keyFile, 'bench', ['submit']).key;
  const port = 18_080 + Math.floor(Math.random() * 1000);
  const env = envWith({
    KAFKA_BROKERS: '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: REGISTRY,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    OMP_WAIT_POLICY: 'passive',
    SCORER_GROUP_ID: uniqueName('bench-api-scorer'),
    SCORER_METRICS_PORT: '0',
    MODEL_BOOTSTRAP_DIR: model.dir,
    SCORER_FETCH_MAX_WAIT_MS: '1',
    API_PORT: String(port),
    API_KEYS_FILE: keyFile,
    API_DEADLINE_MS: '1000',
    API_RATE_LIMIT_PER_S: '1000000',
    API_RATE_BURST: '1000000',
  });
  const children: ChildProcess[] = [];
  const run = (args: string[]) => {
    const c = spawn(process.execPath, [join(repoRoot, 'bin', 'fraud.mjs'), ...args], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(c);
    return c;
  };
  try {
    run(['scorer']);
    run(['api', 'serve']);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/ready`)).ok, { timeoutMs: 60_000, what: 'the API to be ready' });

    const pool = makeTransactions(5_000, { seed: 3, accounts: 2_000 });
    let seq = 0;
    const nextTx = (tag: string) => () => {
      const base = pool[seq % pool.length]!;
      return { ...base, txId: `${prefix}${tag}-${seq++}`, eventTime: Date.now() };
    };

    // Warm the scorer (first model load, JIT) before measuring anything.
    const post = async (tx: Transaction): Promise<'ok' | 'timeout'> => {
      const res = await fetch(`${url}/v1/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(tx),
      });
      if (res.status !== 200) throw new Error(`API answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { fallback: boolean };
      return body.fallback ? 'timeout' : 'ok';
    };
    const api = await closedLoop('api', post, nextTx('api'));

    // The same request-reply straight on Kafka, in this process: the ceiling of the API path.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const waiter = createDecisionWaiter(100_000);
    const consumer = kafka.consumer(consumerConfig('latency', { groupId: uniqueName('bench-api-direct') }));
    await consumer.connect();
    await consumer.subscribe({ topic: topics.scored, fromBeginning: false });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) waiter.deliver((await codecs.scored.decode(m.value!)) as ScoredTransaction);
      },
    });
    await waitFor(() => joined, { timeoutMs: 30_000, what: 'the direct consumer to join' });
    const batcher = createBatcher<Transaction>(
      async (txs) => {
        await producer.send({
          topic: topics.transactions,
          acks: -1,
          messages: txs.map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
        });
      },
      { maxBatch: 500, maxInFlight: 1 },
    );
    const direct = await closedLoop(
      'kafka-direct',
      async (tx) => {
        const pending = waiter.wait(tx.txId, 1000);
        await batcher.add(tx);
        return (await pending) ? 'ok' : 'timeout';
      },
      nextTx('direct'),
    );
    await consumer.disconnect();
    await producer.disconnect();

    const result = {
      clients: CLIENTS,
      seconds: MEASURE_S,
      requests_per_s: api.requests_per_s,
      p50_ms: api.p50_ms,
      p99_ms: api.p99_ms,
      timeouts: api.timeouts,
      requests: api.requests,
      kafka_direct: direct,
      ceiling_requests_per_s: direct.requests_per_s,
      share_of_ceiling: +(api.requests_per_s / Math.max(1, direct.requests_per_s)).toFixed(3),
      goals: { p99_ms_max: 20, requests_per_s_min: 5 * 1040 },
      machine: '2 cores, one broker, scorer and API as separate processes on the same machine',
    };
    mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench', 'results', 'api.json'), JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await admin.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
