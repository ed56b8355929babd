/**
 * Rules benchmark (npm run bench -- rules, or npx tsx bench/rules.ts). Writes bench/results/rules.json:
 *   1. backtest: 1,000,000 stored decisions (fs-v2 vectors, 2% labelled) in a DuckDB warehouse file
 *      (.data/bench-rules.duckdb, kept: a rerun reuses its rows, filling them takes minutes);
 *      the backtest of one rule and of a 50-rule set over the whole window (median of 3 after a warm-up);
 *   2. evaluator: 50 compiled rules on 200,000 payments in process, nanoseconds per payment;
 *   3. pipeline: the real scorer (`fraud scorer`, exactly-once) draining the same pre-loaded
 *      transactions with no rule set and with the 50 rules, alternated (none, 50, none, 50), each
 *      on fresh topics, in this one run.
 * The result file is written after each part, so a run stopped in the pipeline part keeps the others.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from '@fraud/kafka';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { seededRandom, freePort } from '@fraud/common/testing';
import { FEATURE_NAMES, FEATURE_SET } from '@fraud/model';
import { compileRuleSet, evaluateRules, validateRuleSet } from '@fraud/model/rules';
import { LABELS_TABLE, SCORED_TABLE, createDuckDbStore, runWarehouseBacktest, scoredRow } from '@fraud/sinks';
import { CONTROL_KEYS, createCodecs, topicNames, type RuleSet, type ScoredTransaction } from '@fraud/schemas';
import {
  committedInputs,
  createBenchTopics,
  scorerSettings,
  spawnBenchScorer,
  trainBenchModel,
  transactions,
} from './lib/scorer-bench.ts';

const BENCH = parseBenchEnv();
const ROWS = 1_000_000;
const PIPELINE_TX = 100_000;
const PARTITIONS = 6;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WAREHOUSE = join(ROOT, '.data', 'bench-rules.duckdb');
const log = (s: string) => process.stdout.write(`[bench rules] ${s}\n`);
const features = { features: FEATURE_NAMES, featureSet: FEATURE_SET };

/** 50 rules of the shapes analysts write; each fires rarely, so explanations cost the same with and without. */
function fiftyRules(): RuleSet {
  const shapes = [
    (i: number) => `type = "TRANSFER" and amount > ${5_000_000 + i * 10_000} and orig_new_payee = 1`,
    () => 'destAccount in watch or originAccount in watch',
    (i: number) => `amount / (orig_sum_24h + 1) > ${50 + i} and hour_of_day(eventTime) < 6`,
    () => 'merchantCategory startsWith "59" or country in ("NG", "GH", "KE")',
    (i: number) => `score > 0.999 and dest_in_count_1h >= ${10 + i} and not (type = "PAYMENT")`,
  ];
  const actions = ['BLOCK', 'REVIEW', 'TAG', 'TAG', 'REVIEW'] as const;
  return {
    version: 1,
    rules: Array.from({ length: 50 }, (_, i) => ({
      name: `rule-${i}`,
      expression: shapes[i % 5]!(i),
      action: actions[i % 5]!,
      priority: i % 7,
      enabled: true,
      description: '',
    })),
    lists: { watch: Array.from({ length: 1_000 }, (_, i) => `W${i}`) },
    publishedBy: 'bench',
    publishedAt: Date.now(),
    rolledBackFrom: null,
  };
}

function storedDecision(t: ScoredTransaction['transaction'], r: () => number): ScoredTransaction {
  const f = FEATURE_NAMES.map(() => Math.fround(r() * 100));
  const score = r() ** 4;
  return {
    transaction: t,
    featureSet: FEATURE_SET,
    features: f,
    score,
    decision: score > 0.8 ? 'BLOCK' : score > 0.3 ? 'REVIEW' : 'APPROVE',
    reviewThreshold: 0.3,
    blockThreshold: 0.8,
    modelVersion: 'bench',
    reasons: [],
    rulesFired: [],
    shadow: null,
    scoredAt: t.eventTime,
    source: null,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const START = Date.UTC(2026, 10, 1);

/** Fills the warehouse with ROWS stored decisions unless it already holds them. */
async function fill(store: Awaited<ReturnType<typeof createDuckDbStore>>): Promise<void> {
  const [row] = await store.query('SELECT COUNT(*) AS n FROM scored', {});
  if (Number(row?.n ?? 0) === ROWS) {
    log(`reusing ${ROWS} stored decisions in ${WAREHOUSE}`);
    return;
  }
  await store.query('DELETE FROM scored', {});
  await store.query('DELETE FROM labels', {});
  const r = seededRandom(3);
  const start = START;
  const loadStart = performance.now();
  for (let i = 0; i < ROWS; i += 50_000) {
    const txs = transactions(50_000, 11 + i, `bt${i}`, start + i * 100);
    await store.upsert(
      SCORED_TABLE,
      txs.map((t, j) => scoredRow(storedDecision(t, r), { partition: 0, offset: i + j })),
    );
    const labelled = txs.filter(() => r() < 0.02);
    await store.upsert(
      LABELS_TABLE,
      labelled.map((t) => ({
        txId: t.txId,
        isFraud: t.type === 'TRANSFER',
        source: 'SIMULATION',
        labeledAt: t.eventTime + 3_600_000,
        note: null,
        typology: null,
        author: null,
      })),
    );
    if ((i / 50_000) % 4 === 3) log(`stored ${i + 50_000} decisions`);
  }
  log(`stored ${ROWS} decisions in ${((performance.now() - loadStart) / 1000).toFixed(0)} s`);
}

async function benchBacktest(): Promise<Record<string, unknown>> {
  mkdirSync(dirname(WAREHOUSE), { recursive: true });
  const store = await createDuckDbStore({ path: WAREHOUSE });
  try {
    await store.init();
    await fill(store);
    const window = { from: START, to: START + ROWS * 100 };
    const one = {
      version: 0,
      rules: [fiftyRules().rules[0]!].map((x) => ({ ...x, expression: 'type = "TRANSFER" and amount > 500_000' })),
      lists: {},
    };
    const time = async (ruleSet: unknown): Promise<{ ms: number[]; hits: number }> => {
      const ms: number[] = [];
      let hits = 0;
      for (let k = 0; k < 4; k++) {
        const report = await runWarehouseBacktest(store, {
          ruleSet,
          ...window,
          examples: 10,
          featureSet: FEATURE_SET,
          featureNames: [...FEATURE_NAMES],
        });
        if (report.payments !== ROWS) throw new Error(`backtest saw ${report.payments} of ${ROWS} decisions`);
        hits = report.any.payments;
        if (k > 0) ms.push(report.elapsedMs);
      }
      return { ms, hits };
    };
    const single = await time(one);
    log(`backtest, 1 rule: ${median(single.ms)} ms (${single.hits} hits)`);
    const fifty = await time(fiftyRules());
    log(`backtest, 50 rules: ${median(fifty.ms)} ms (${fifty.hits} hits)`);
    return {
      rows: ROWS,
      backtest_ms: median(single.ms),
      backtest_ms_runs: single.ms,
      backtest_hits: single.hits,
      backtest_50_rules_ms: median(fifty.ms),
      backtest_50_rules_ms_runs: fifty.ms,
      backtest_50_rules_hits: fifty.hits,
    };
  } finally {
    await store.close();
  }
}

function benchEvaluator(): Record<string, unknown> {
  const set = validateRuleSet(fiftyRules(), features);
  const rules = compileRuleSet(set, features, FEATURE_NAMES);
  const r = seededRandom(5);
  const inputs = transactions(200_000, 21, 'ev', Date.UTC(2026, 0, 1)).map((payment) => ({
    payment,
    features: FEATURE_NAMES.map(() => Math.fround(r() * 100)),
    score: r(),
  }));
  let fired = 0;
  for (const x of inputs.slice(0, 20_000)) fired += evaluateRules(rules, x).fired.length;
  const t0 = performance.now();
  for (const x of inputs) fired += evaluateRules(rules, x).fired.length;
  const ns = ((performance.now() - t0) * 1e6) / inputs.length;
  log(`evaluator: 50 rules, ${ns.toFixed(0)} ns per payment`);
  return {
    evaluator_50_rules_ns_per_payment: Math.round(ns),
    evaluator_payments: inputs.length,
    evaluator_fired: fired,
  };
}

/** One drain: fresh topics, the rule set (if any) on control, N pre-loaded, the scorer's rate from first commit. */
async function drainOnce(kafka: Kafka, admin: Admin, modelDir: string, ruleSet: RuleSet | null): Promise<number> {
  const prefix = `bench-rules-${randomUUID().slice(0, 8)}.`;
  const topics = topicNames(prefix);
  const created = await createBenchTopics(admin, topics, PARTITIONS);
  let child: ChildProcess | undefined;
  try {
    const codecs = await createCodecs({ registryUrl: BENCH.SCHEMA_REGISTRY_URL, topics });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    if (ruleSet) {
      const value = Buffer.from(JSON.stringify(ruleSet));
      await producer.send({ topic: topics.control, acks: -1, messages: [{ key: CONTROL_KEYS.ruleSet, value }] });
    }
    const txs = transactions(PIPELINE_TX, 7, prefix.slice(0, -1), Date.now() - 3_600_000);
    for (let i = 0; i < txs.length; i += 10_000) {
      await producer.send({
        topic: topics.transactions,
        acks: -1,
        messages: txs.slice(i, i + 10_000).map((t) => ({ key: t.originAccount, value: codecs.transaction.encode(t) })),
      });
    }
    await producer.disconnect();
    const groupId = `${prefix}scorer`;
    child = spawnBenchScorer(BENCH, { prefix, groupId, metricsPort: await freePort(), modelDir });
    let first: { t: number; n: number } | undefined;
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const n = await committedInputs(admin, groupId, topics.transactions);
      const t = performance.now();
      if (!first && n > 0) first = { t, n };
      if (first && n >= PIPELINE_TX) return Math.round((n - first.n) / ((t - first.t) / 1000));
      if (Date.now() > deadline) throw new Error(`drain stuck at ${n}/${PIPELINE_TX}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
  }
}

async function benchPipeline(): Promise<Record<string, unknown>> {
  const kafka = new Kafka({ clientId: 'bench-rules', brokers: ['127.0.0.1:9092'], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const modelDir = join(mkdtempSync(join(tmpdir(), 'bench-model-')), 'bench-v1');
    log('training the model (200 trees, depth 6)');
    await trainBenchModel(modelDir, { version: 'bench-v1', count: 40_000, rounds: 200, nthread: 2 });
    const none: number[] = [];
    const fifty: number[] = [];
    for (let k = 0; k < 2; k++) {
      none.push(await drainOnce(kafka, admin, modelDir, null));
      log(`scorer, no rules: ${none.at(-1)} tx/s`);
      fifty.push(await drainOnce(kafka, admin, modelDir, fiftyRules()));
      log(`scorer, 50 rules: ${fifty.at(-1)} tx/s`);
    }
    const mean = (xs: number[]) => Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
    return {
      pipeline_transactions: PIPELINE_TX,
      pipeline_no_rules_tx_per_s: mean(none),
      pipeline_50_rules_tx_per_s: mean(fifty),
      pipeline_50_rules_vs_none: Number((mean(fifty) / mean(none)).toFixed(3)),
      pipeline_runs: { none, fifty },
      scorer_settings: scorerSettings(BENCH),
    };
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const evaluator = benchEvaluator();
  write(evaluator);
  const backtest = await benchBacktest();
  write({ ...backtest, ...evaluator });
  const pipeline = await benchPipeline();
  write({ ...backtest, ...evaluator, ...pipeline });
}

function write(parts: Record<string, unknown>): void {
  const result = {
    ...parts,
    backtest_definition:
      'runWarehouseBacktest on a DuckDB file: one aggregate statement (every rule and their union, LEFT JOIN labels) ' +
      'and one for 10 examples, over all 1M rows; median of 3 after one warm-up',
    pipeline_definition:
      'fraud scorer (exactly-once) draining pre-loaded transactions on 6 partitions, tx/s from its first commit; ' +
      'runs alternate no rule set / 50 rules, each on fresh topics',
    machine: { cpus: cpus().length, loadavg_1m: Number(loadavg()[0]!.toFixed(2)), node: process.version },
    measured_at: new Date().toISOString(),
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'rules.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(JSON.stringify(parts));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench rules failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
