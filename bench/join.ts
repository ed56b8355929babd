/**
 * Join-design benchmark (npm run bench -- join, or npx tsx bench/join.ts). Writes
 * bench/results/join.json. What one more exactly-once hop costs at 2k tx/s, in latency and broker
 * CPU, for the choice of a cross-partition join design (issue 18). Plain kafkajs copy loops, no
 * decoding beyond JSON.parse, no features, no model: only the Kafka cost. Each loop is EOS v1 as
 * the scorer is (one transactional producer per input partition, @fraud/kafka's
 * openPartitionTransactor; records + sendOffsets + commit per fetch batch):
 *   A. one EOS stage: in -> out (the scorer's Kafka part);
 *   B. two chained EOS stages: in -> mid re-keyed by destination account -> out, stage 2 reading
 *      mid read_committed (two-stage re-keying, as Kafka Streams' repartition topics);
 *   C. as B, stage 2 reading mid read_uncommitted and dropping txIds it has seen (only sound when
 *      stage 1 is deterministic: an aborted chunk is rewritten with the same records);
 *   D. one EOS stage that makes one HTTP POST (keep-alive) per fetch batch to a lookup server in
 *      another process, answering 8 numbers for each of the batch's distinct destinations.
 * Each variant: fresh topics (6 partitions), its stages in one child process, an open-loop
 * publisher at 2k tx/s (keyed by origin account) and a read_committed reader of the final topic in
 * this process; latency is the input record's CreateTime (carried in a header) -> seen by the
 * reader. The broker is shared (other engineers' tests): its CPU is first sampled for IDLE_S with
 * the variant idle, then WARM_S of load, then MEASURE_S measured (latencies, CPU from /proc,
 * transactions); ROUNDS rounds of A..D, then D..A (their samples and counters pooled).
 *
 * The same file is the child: `join.ts stages '<json>'` runs stage loops, `join.ts lookup` the
 * lookup server; both talk to the parent over the IPC channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Kafka,
  consumerConfig,
  logLevel,
  openPartitionTransactor,
  producerConfig,
  type EachBatchPayload,
  type KafkaConfig,
  type OutMessage,
  type PartitionTransactor,
} from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { createLogger, sortedPercentile, waitFor } from '@fraud/common';
import { dataDir, kafkaPid } from '@fraud/infra';
import { transactions } from './lib/scorer-bench.ts';

const BENCH = parseBenchEnv();
const RATE = 2_000;
const WARM_S = 5;
const MEASURE_S = 20;
const ROUNDS = 2;
/**
 * Seconds of the broker's CPU sampled before each variant's load: its background (the variant's
 * joined consumers' empty 5 ms fetches, and other engineers' use of the shared broker).
 */
const IDLE_S = 4;
const PARTITIONS = 6;
const BROKERS = ['127.0.0.1:9092'];
const PUBLISHED_AT = 'published-at';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const log = (s: string) => process.stdout.write(`[bench join] ${s}\n`);

type VariantName = 'A' | 'B' | 'C' | 'D';
const DESCRIPTIONS: Record<VariantName, string> = {
  A: 'one EOS stage: in -> out',
  B: 'two EOS stages: in -> mid (re-keyed by destination) -> out, stage 2 reads mid read_committed',
  C: 'two EOS stages as B, stage 2 reads mid read_uncommitted and drops txIds already seen',
  D:
    'one EOS stage + one keep-alive HTTP POST per fetch batch to a lookup process ' +
    '(distinct destinations -> 8 numbers)',
};

/** One copy loop: what it reads, where it writes, how. */
interface StageSpec {
  name: string;
  from: string;
  to: string;
  groupId: string;
  readUncommitted: boolean;
  /** Key the output by destination account (the partition follows the key); else keep key and partition. */
  rekey: boolean;
  /** Drop records whose txId this stage has written already (read_uncommitted input). */
  dedupe: boolean;
  lookupUrl?: string;
}

interface StageCounters {
  transactions: number;
  records: number;
  commitMs: number;
  lookups: number;
  lookupMs: number;
  duplicatesDropped: number;
}

type ChildMessage =
  | { type: 'ready'; port?: number }
  | { type: 'stats'; stages: Record<string, StageCounters>; concurrentRetries: number };

interface BenchTx {
  txId: string;
  destAccount: string;
}

// ---------------------------------------------------------------------------------------------
// Child: stage loops

/** One EOS-v1 copy loop; its counters are cumulative. */
async function startStage(
  kafka: Kafka,
  spec: StageSpec,
): Promise<{ counters: StageCounters; stop: () => Promise<void> }> {
  const logger = createLogger(`bench-join-${spec.name}`, 'warn');
  const counters: StageCounters = {
    transactions: 0,
    records: 0,
    commitMs: 0,
    lookups: 0,
    lookupMs: 0,
    duplicatesDropped: 0,
  };
  const transactors = new Map<number, Promise<PartitionTransactor>>();
  const transactorFor = (partition: number): Promise<PartitionTransactor> => {
    let t = transactors.get(partition);
    if (!t) {
      t = openPartitionTransactor({ kafka, transactionalId: `${spec.groupId}-${spec.from}-${partition}`, logger });
      transactors.set(partition, t);
    }
    return t;
  };
  const lookup = spec.lookupUrl ? lookupClient(spec.lookupUrl) : undefined;
  const seen = new Set<string>();
  const consumer = kafka.consumer(
    consumerConfig('transactional', {
      groupId: spec.groupId,
      readUncommitted: spec.readUncommitted,
      maxBytesPerPartition: BENCH.SCORER_MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: BENCH.SCORER_FETCH_MAX_WAIT_MS,
      minBytes: BENCH.SCORER_FETCH_MIN_BYTES,
    }),
  );
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
  consumer.on(consumer.events.CRASH, (e) => {
    process.stderr.write(`stage ${spec.name} consumer crashed: ${String(e.payload.error)}\n`);
    process.exit(1);
  });

  const copyBatch = async ({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> => {
    if (batch.messages.length === 0) return;
    const transactor = await transactorFor(batch.partition);
    const out: OutMessage[] = [];
    const dests = new Set<string>();
    for (const m of batch.messages) {
      const tx = JSON.parse(m.value!.toString()) as BenchTx;
      if (spec.dedupe) {
        if (seen.has(tx.txId)) {
          counters.duplicatesDropped++;
          continue;
        }
        seen.add(tx.txId);
      }
      dests.add(tx.destAccount);
      const publishedAt = m.headers?.[PUBLISHED_AT]?.toString() ?? m.timestamp;
      out.push({
        topic: spec.to,
        key: spec.rekey ? Buffer.from(tx.destAccount) : m.key,
        value: m.value,
        headers: { [PUBLISHED_AT]: publishedAt },
        ...(spec.rekey ? {} : { partition: batch.partition }),
      });
    }
    if (lookup && dests.size > 0) {
      const t0 = performance.now();
      const answer = await lookup([...dests]);
      for (const d of dests) if (answer[d]?.length !== 8) throw new Error(`lookup: no answer for ${d}`);
      counters.lookups++;
      counters.lookupMs += performance.now() - t0;
    }
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const t0 = performance.now();
    try {
      await transactor.commit({
        messages: out,
        offsets: { groupId: spec.groupId, topic: spec.from, partition: batch.partition, next: BigInt(last) + 1n },
      });
    } catch (err: unknown) {
      // A failed transaction leaves the producer unusable: the next fetch of this batch opens a new one.
      transactors.delete(batch.partition);
      await transactor.close().catch(() => undefined);
      throw err;
    }
    counters.commitMs += performance.now() - t0;
    counters.transactions++;
    counters.records += out.length;
    resolveOffset(last);
    await heartbeat();
  };

  await consumer.connect();
  await consumer.subscribe({ topic: spec.from, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: BENCH.SCORER_PARTITIONS_CONCURRENTLY,
    eachBatch: copyBatch,
  });
  await waitFor(() => joined, { timeoutMs: 60_000, what: `stage ${spec.name} to join its group` });
  // Open every partition's producer before the load, as a running scorer has them.
  await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => transactorFor(p)));
  return {
    counters,
    async stop() {
      await consumer.disconnect();
      await Promise.all([...transactors.values()].map(async (t) => (await t).close()));
    },
  };
}

/** POST a JSON array of keys, answer a JSON map key -> numbers; one keep-alive connection per caller. */
function lookupClient(url: string): (keys: string[]) => Promise<Record<string, number[]>> {
  const agent = new Agent({ keepAlive: true, maxSockets: PARTITIONS });
  return (keys) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(keys);
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`lookup answered ${res.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, number[]>);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

/**
 * kafkajs's errors on stderr, but CONCURRENT_TRANSACTIONS only counted: a transaction's first
 * send answers it while the broker still writes the previous commit's markers, and the
 * transactional preset retries it after 5 ms (each one is latency the next transaction pays).
 */
function countingLogCreator(retries: { n: number }): KafkaConfig['logCreator'] {
  return () =>
    ({ log }) => {
      const text = `${log.message} ${String(log.error ?? '')}`;
      if (!text.includes('concurrent operation on the same transaction'))
        process.stderr.write(`[bench join stage] ${text}\n`);
      else if (log.message.startsWith('[Producer]')) retries.n++;
    };
}

async function stagesChild(specs: StageSpec[]): Promise<void> {
  const retries = { n: 0 };
  const kafka = new Kafka({
    clientId: 'bench-join-stage',
    brokers: BROKERS,
    logLevel: logLevel.ERROR,
    logCreator: countingLogCreator(retries),
  });
  const stages = await Promise.all(specs.map((s) => startStage(kafka, s)));
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stats') {
      const out: Record<string, StageCounters> = {};
      specs.forEach((s, i) => (out[s.name] = { ...stages[i]!.counters }));
      process.send!({ type: 'stats', stages: out, concurrentRetries: retries.n } satisfies ChildMessage);
    } else if (msg.type === 'stop') {
      void Promise.all(stages.map((s) => s.stop())).finally(() => process.exit(0));
    }
  });
  process.send!({ type: 'ready' } satisfies ChildMessage);
}

// ---------------------------------------------------------------------------------------------
// Child: lookup server

/** The owner of the destinations: 8 numbers per key (deterministic from the key), from a map. */
async function lookupChild(): Promise<void> {
  const state = new Map<string, number[]>();
  const valuesOf = (key: string): number[] => {
    let v = state.get(key);
    if (!v) {
      let h = 0;
      for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
      v = Array.from({ length: 8 }, (_, i) => ((h >>> i) & 0xffff) / 7);
      state.set(key, v);
    }
    return v;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const keys = JSON.parse(Buffer.concat(chunks).toString()) as string[];
      const answer: Record<string, number[]> = {};
      for (const k of keys) answer[k] = valuesOf(k);
      const body = JSON.stringify(answer);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('lookup server has no port');
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stop') server.close(() => process.exit(0));
  });
  process.send!({ type: 'ready', port: address.port } satisfies ChildMessage);
}

// ---------------------------------------------------------------------------------------------
// Parent: processes, CPU, one variant

interface Child {
  proc: ChildProcess;
  ready: ChildMessage & { type: 'ready' };
  request<T extends ChildMessage['type']>(type: T): Promise<ChildMessage & { type: T }>;
  stop(): Promise<void>;
}

async function spawnChild(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends ChildMessage['type']>(type: T): Promise<ChildMessage & { type: T }> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: ChildMessage) => {
        if (m.type !== type) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(m as ChildMessage & { type: T });
      };
      const onExit = (code: number | null) => reject(new Error(`child ${args[0]} exited (${code})`));
      proc.on('message', onMessage);
      proc.once('exit', onExit);
    });
  const ready = await next('ready');
  return {
    proc,
    ready,
    request(type) {
      const answer = next(type);
      proc.send({ type });
      return answer;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send({ type: 'stop' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Linux reports CPU time in USER_HZ ticks, 100 per second. */
const TICKS_PER_S = 100;

/** utime + stime of `pid` in seconds (all its threads). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** Busy CPU seconds of the whole machine (every engineer's work), all cores. */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / TICKS_PER_S;
}

interface Snapshot {
  at: number;
  cpu: Record<string, number>;
  machine: number;
  stats: ChildMessage & { type: 'stats' };
}

interface RoundResult {
  variant: VariantName;
  latencies: number[];
  seconds: number;
  cpu: Record<string, number>;
  machine: number;
  stages: Record<string, StageCounters>;
  concurrentRetries: number;
  /** Broker CPU seconds per second with this variant idle (its consumers joined, no load). */
  brokerIdleCores: number;
  published: number;
  lost: number;
  duplicates: number;
}

function stageSpecs(variant: VariantName, prefix: string, lookupUrl?: string): StageSpec[] {
  const t = (n: string) => `${prefix}${n}`;
  const base = { readUncommitted: false, rekey: false, dedupe: false };
  if (variant === 'A' || variant === 'D')
    return [
      {
        ...base,
        name: 'stage1',
        from: t('in'),
        to: t('out'),
        groupId: t('stage1'),
        ...(lookupUrl ? { lookupUrl } : {}),
      },
    ];
  return [
    { ...base, name: 'stage1', from: t('in'), to: t('mid'), groupId: t('stage1'), rekey: true },
    {
      ...base,
      name: 'stage2',
      from: t('mid'),
      to: t('out'),
      groupId: t('stage2'),
      readUncommitted: variant === 'C',
      dedupe: variant === 'C',
    },
  ];
}

async function runVariant(kafka: Kafka, variant: VariantName, round: number, brokerPid: number): Promise<RoundResult> {
  const prefix = `bench-join-${randomUUID().slice(0, 8)}.`;
  const [tin, tmid, tout] = ['in', 'mid', 'out'].map((n) => `${prefix}${n}`) as [string, string, string];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [tin, tmid, tout].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });
  const children: Child[] = [];
  const producer = kafka.producer(producerConfig('idempotent'));
  const reader = kafka.consumer(consumerConfig('latency', { groupId: `${prefix}reader` }));
  try {
    const lookup = variant === 'D' ? await spawnChild(['lookup']) : undefined;
    if (lookup) children.push(lookup);
    const lookupUrl = lookup ? `http://127.0.0.1:${lookup.ready.port}/lookup` : undefined;
    const stages = await spawnChild(['stages', JSON.stringify(stageSpecs(variant, prefix, lookupUrl))]);
    children.push(stages);

    // The reader: every record of the final topic (fresh), latency of those published in the phase.
    let phase = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
    const latencies: number[] = [];
    const seen = new Set<string>();
    let received = 0;
    let joined = false;
    reader.on(reader.events.GROUP_JOIN, () => void (joined = true));
    await Promise.all([reader.connect(), producer.connect()]);
    await reader.subscribe({ topic: tout, fromBeginning: true });
    await reader.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          received++;
          seen.add((JSON.parse(m.value!.toString()) as BenchTx).txId);
          const publishedAt = Number(m.headers?.[PUBLISHED_AT]?.toString());
          if (publishedAt >= phase.from && publishedAt < phase.to) latencies.push(now - publishedAt);
        }
      },
    });
    await waitFor(() => joined, { timeoutMs: 60_000, what: 'the reader to join' });
    const idleFrom = { at: performance.now(), cpu: cpuSeconds(brokerPid) };
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const brokerIdleCores = (cpuSeconds(brokerPid) - idleFrom.cpu) / ((performance.now() - idleFrom.at) / 1000);

    // Open-loop publisher: RATE tx/s in 10 ms ticks, CreateTime set by the client at send.
    const total = RATE * (WARM_S + MEASURE_S);
    const load = transactions(total, 11 + round, `${prefix}tx`, Date.now() - 60_000);
    const procs: Record<string, number> = { broker: brokerPid, stages: stages.proc.pid!, bench: process.pid };
    if (lookup) procs.lookup = lookup.proc.pid!;
    const snapshot = async (): Promise<Snapshot> => ({
      at: performance.now(),
      cpu: Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)])),
      machine: machineBusySeconds(),
      stats: await stages.request('stats'),
    });
    log(`${variant} round ${round + 1}: ${RATE} tx/s, ${WARM_S} s warm-up + ${MEASURE_S} s measured`);
    const startMs = Date.now();
    let sent = 0;
    let before: Snapshot | undefined;
    while (sent < total) {
      if (!before && Date.now() - startMs >= WARM_S * 1000) {
        phase = { from: Date.now(), to: Number.POSITIVE_INFINITY };
        before = await snapshot();
      }
      const due = Math.min(total, Math.floor(((Date.now() - startMs) / 1000) * RATE) + 20);
      if (due > sent) {
        await producer.send({
          topic: tin,
          acks: -1,
          messages: load.slice(sent, due).map((t) => ({ key: t.originAccount, value: JSON.stringify(t) })),
        });
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    phase.to = Date.now();
    const after = await snapshot();
    await waitFor(() => seen.size >= total, {
      timeoutMs: 120_000,
      what: `${variant}: every published record in ${tout}`,
    });
    await new Promise((r) => setTimeout(r, 500)); // late duplicates, if any
    const delta = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(Object.keys(a).map((k) => [k, a[k]! - (b[k] ?? 0)]));
    const stageDelta: Record<string, StageCounters> = {};
    for (const [name, c] of Object.entries(after.stats.stages)) {
      const b = before!.stats.stages[name]!;
      stageDelta[name] = {
        transactions: c.transactions - b.transactions,
        records: c.records - b.records,
        commitMs: c.commitMs - b.commitMs,
        lookups: c.lookups - b.lookups,
        lookupMs: c.lookupMs - b.lookupMs,
        duplicatesDropped: c.duplicatesDropped - b.duplicatesDropped,
      };
    }
    const result: RoundResult = {
      variant,
      latencies,
      seconds: (after.at - before!.at) / 1000,
      cpu: delta(after.cpu, before!.cpu),
      machine: after.machine - before!.machine,
      stages: stageDelta,
      concurrentRetries: after.stats.concurrentRetries - before!.stats.concurrentRetries,
      brokerIdleCores,
      published: total,
      lost: total - seen.size,
      duplicates: received - seen.size,
    };
    const sorted = [...latencies].sort((a, b) => a - b);
    log(
      `${variant} round ${round + 1}: p50 ${sortedPercentile(sorted, 0.5)} p99 ${sortedPercentile(sorted, 0.99)} ms, ` +
        `broker ${(result.cpu.broker! / result.seconds).toFixed(2)} cores`,
    );
    return result;
  } finally {
    await reader.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    for (const c of children.reverse()) await c.stop();
    await admin.deleteTopics({ topics: [tin, tmid, tout] }).catch(() => undefined);
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: pooling and the report

const r2 = (x: number) => Number(x.toFixed(2));

/** The rounds of one variant pooled: latency samples together, counters and CPU summed over the phases. */
function pooled(variant: VariantName, rounds: RoundResult[]) {
  const lat = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const cpuS = (name: string) => rounds.reduce((s, r) => s + (r.cpu[name] ?? 0), 0);
  const stageNames = Object.keys(rounds[0]!.stages);
  const stages = Object.fromEntries(
    stageNames.map((name) => {
      const sum = (k: keyof StageCounters) => rounds.reduce((s, r) => s + r.stages[name]![k], 0);
      const txs = sum('transactions');
      return [
        name,
        {
          transactions_per_s: r2(txs / seconds),
          records_per_transaction: r2(sum('records') / Math.max(1, txs)),
          mean_transaction_ms: r2(sum('commitMs') / Math.max(1, txs)),
          ...(sum('lookups') > 0
            ? { lookups_per_s: r2(sum('lookups') / seconds), mean_lookup_ms: r2(sum('lookupMs') / sum('lookups')) }
            : {}),
          ...(name === 'stage2' && variant === 'C' ? { duplicates_dropped: sum('duplicatesDropped') } : {}),
        },
      ];
    }),
  );
  const brokerCpuS = cpuS('broker');
  return {
    description: DESCRIPTIONS[variant],
    p50_ms: sortedPercentile(lat, 0.5),
    p99_ms: sortedPercentile(lat, 0.99),
    p999_ms: sortedPercentile(lat, 0.999),
    max_ms: lat[lat.length - 1] ?? Number.NaN,
    mean_ms: r2(lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length)),
    samples: lat.length,
    per_round: rounds.map((r) => {
      const s = [...r.latencies].sort((a, b) => a - b);
      return {
        p50_ms: sortedPercentile(s, 0.5),
        p99_ms: sortedPercentile(s, 0.99),
        broker_cores: r2((r.cpu.broker ?? 0) / r.seconds),
        broker_idle_cores: r2(r.brokerIdleCores),
        machine_busy_cores: r2(r.machine / r.seconds),
      };
    }),
    transactions_per_s: r2(Object.values(stages).reduce((s, st) => s + st.transactions_per_s, 0)),
    concurrent_transactions_retries_per_s: r2(rounds.reduce((s, r) => s + r.concurrentRetries, 0) / seconds),
    stages,
    broker_cpu_s: r2(brokerCpuS),
    broker_cores: r2(brokerCpuS / seconds),
    broker_idle_cores: r2(rounds.reduce((s, r) => s + r.brokerIdleCores, 0) / rounds.length),
    broker_cpu_ms_per_1k_tx: r2((brokerCpuS * 1000 * 1000) / (RATE * seconds)),
    stage_process_cpu_s: r2(cpuS('stages')),
    stage_process_cores: r2(cpuS('stages') / seconds),
    ...(variant === 'D' ? { lookup_process_cpu_s: r2(cpuS('lookup')) } : {}),
    publisher_and_reader_cpu_s: r2(cpuS('bench')),
    machine_busy_cores: r2(rounds.reduce((s, r) => s + r.machine, 0) / seconds),
    other_processes_cores: r2(
      rounds.reduce((s, r) => s + r.machine - Object.values(r.cpu).reduce((a, b) => a + b, 0), 0) / seconds,
    ),
    measured_s: r2(seconds),
    lost: rounds.reduce((s, r) => s + r.lost, 0),
    duplicates: rounds.reduce((s, r) => s + r.duplicates, 0),
  };
}

type Pooled = ReturnType<typeof pooled>;

function summarize(v: Record<VariantName, Pooled>): string {
  const { A, B, C, D } = v;
  const ms = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x)} ms`;
  const cores = (x: Pooled) => (x.broker_cores - A.broker_cores).toFixed(2);
  const saved = (B.p50_ms - C.p50_ms) / Math.max(1, B.p50_ms - A.p50_ms);
  const all = [A, B, C, D];
  const range = (f: (x: Pooled) => number) => [Math.min(...all.map(f)), Math.max(...all.map(f))];
  const busy = range((x) => x.machine_busy_cores);
  const others = range((x) => x.other_processes_cores);
  const idle = range((x) => x.broker_idle_cores);
  const perRound = (['A', 'B', 'C', 'D'] as const)
    .map((n) => `${n} ${v[n].per_round.map((r) => r.p50_ms).join('/')}`)
    .join(', ');
  return (
    `At ${RATE} tx/s, 6 partitions, one EOS stage (A) is p50 ${A.p50_ms} / p99 ${A.p99_ms} / p99.9 ${A.p999_ms} ms ` +
    `end to end at ${A.transactions_per_s} transactions/s, broker ${A.broker_cores} cores. ` +
    `A second EOS hop re-keyed by destination (B) adds ${ms(B.p50_ms - A.p50_ms)} p50, ` +
    `${ms(B.p99_ms - A.p99_ms)} p99, ` +
    `${ms(B.p999_ms - A.p999_ms)} p99.9, ${r2(B.transactions_per_s - A.transactions_per_s)} transactions/s and ` +
    `${cores(B)} broker cores (stage process ${B.stage_process_cores} vs ${A.stage_process_cores} cores). ` +
    `Reading the repartition topic read_uncommitted (C) gives p50 ${C.p50_ms} / p99 ${C.p99_ms} ms: ` +
    `${Math.round(saved * 100)}% of B's added p50 saved, broker ${cores(C)} cores over A. ` +
    `A remote lookup per fetch batch (D, ${D.stages.stage1?.mean_lookup_ms} ms per POST) gives p50 ${D.p50_ms} / ` +
    `p99 ${D.p99_ms} ms (${ms(D.p50_ms - A.p50_ms)} p50 over A), broker ${cores(D)} cores over A. ` +
    `Per-round p50 (noise): ${perRound}. Machine busy ${busy.join('-')} of 2 cores, ` +
    `processes other than these ${others.join('-')} cores; ` +
    `broker before each load (consumers joined, no load) ${idle.join('-')} cores.`
  );
}

async function main(): Promise<void> {
  const brokerPid = kafkaPid({ dataDir: dataDir() });
  if (brokerPid === undefined) throw new Error('no local broker running (fraud infra status)');
  const kafka = new Kafka({ clientId: 'bench-join', brokers: BROKERS, logLevel: logLevel.ERROR });
  const order: VariantName[] = ['A', 'B', 'C', 'D'];
  const rounds: RoundResult[] = [];
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++)
    for (const variant of round % 2 === 0 ? order : [...order].reverse())
      rounds.push(await runVariant(kafka, variant, round, brokerPid));
  const variants = Object.fromEntries(
    order.map((name) => [
      name,
      pooled(
        name,
        rounds.filter((r) => r.variant === name),
      ),
    ]),
  ) as Record<VariantName, Pooled>;
  const result = {
    summary: summarize(variants),
    variants,
    rate_tx_per_s: RATE,
    partitions: PARTITIONS,
    warm_up_s: WARM_S,
    measured_s_per_round: MEASURE_S,
    broker_idle_sample_s: IDLE_S,
    rounds: ROUNDS,
    stage_settings: {
      eos:
        'v1: one transactional producer per input partition (openPartitionTransactor), ' +
        'one transaction per fetch batch',
      fetch_max_wait_ms: BENCH.SCORER_FETCH_MAX_WAIT_MS,
      fetch_min_bytes: BENCH.SCORER_FETCH_MIN_BYTES,
      max_bytes_per_partition: BENCH.SCORER_MAX_BYTES_PER_PARTITION,
      partitions_concurrently: BENCH.SCORER_PARTITIONS_CONCURRENTLY,
    },
    latency_definition:
      "input record's Kafka CreateTime (set by the publisher's client, carried through the stages in a header) -> " +
      'received by a read_committed consumer of the final topic (maxWaitTimeInMs 5); records published during the ' +
      'measured phases only; samples of all rounds pooled',
    cpu_definition:
      'utime+stime from /proc/<pid>/stat over the measured phases: broker = the Kafka JVM, stages = the child ' +
      'process running the variant’s copy loops, lookup = the lookup server (D), ' +
      'publisher_and_reader = this process; ' +
      'machine_busy_cores counts every process on the machine (other engineers too), other_processes_cores the ' +
      `processes not listed here; broker_idle_cores is the broker over the ${IDLE_S} s before the load, ` +
      `the variant’s ` +
      'consumers joined (their empty fetches) and other users of the shared broker',
    run_seconds: Math.round((performance.now() - t0) / 1000),
    machine: { cpus: cpus().length, loadavg_1m: r2(loadavg()[0]!), node: process.version },
    measured_at: new Date().toISOString(),
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'join.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(result.summary);
}

const role = process.argv[2];
const entry =
  role === 'stages'
    ? stagesChild(JSON.parse(process.argv[3] ?? '[]') as StageSpec[])
    : role === 'lookup'
      ? lookupChild()
      : main();
entry.catch((err: unknown) => {
  process.stderr.write(`bench join failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
