/**
 * Adaptation benchmark (`npm run bench -- adaptation`, or `npx tsx bench/adaptation.ts`):
 * simulator -> transactions -> scorer -> scored -> retrainer (+ delayed labels) -> model-updates
 * -> scorer hot swap, at accelerated simulated time. Phase 1: PaySim's takeover only, served by a
 * champion trained offline on takeover-only traffic. Phase 2: a new typology appears (mule fan-in).
 * Measures how fast recall on the new typology recovers, and checks that a deliberately bad
 * challenger (trained on shuffled labels) is rejected. Writes bench/results/adaptation.json and
 * bench/results/adaptation.svg (recall on the new typology per simulated hour, promotions marked);
 * with ADAPT_PARTITIONS (default 3) set to another count, adaptation-N-partition(s).json/.svg.
 * ADAPT_WORLD=card runs the card world instead: compromised terminals and card spikes, then card
 * testing appears; adaptation-card.json/.svg.
 *
 * Accelerated time with back-pressure: the simulator publishes one simulated hour, then waits
 * until the scorer and the retrainer have caught up and no retraining run is in progress. So the
 * timeline is what it would be if a run took no simulated time; wall-clock run times are reported.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { createLogger, envWith, kafkaEnvSchema, parseEnv, waitFor } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { DEFAULT_COSTS, FEATURE_SET, trainParams, trainPipeline, trainXGBoost, type TrainInput } from '@fraud/model';
import {
  createLabelScheduler,
  createWorldSimulator,
  scenarioFromObject,
  type Scenario,
  type WorldEvent,
} from '@fraud/producers';
import { createCodecs, topicNames } from '@fraud/schemas';
import { parseScorerEnv, runScorer } from '@fraud/scorer';
import {
  createRetrainerService,
  lineChartSvg,
  runEventTime,
  typologyLabelsAt,
  typologyTimeline,
  windowQuality,
  type RunRecord,
} from '@fraud/retrainer';

const H = 3_600_000;
const BENCH = parseBenchEnv();
const WORLD = BENCH.ADAPT_WORLD;
const NEW = WORLD === 'card' ? 'card-testing' : 'mule-fan-in';
const APPEARS_H = BENCH.ADAPT_APPEARS_HOURS;
const MAX_H = BENCH.ADAPT_MAX_HOURS;
const AFTER_RECOVERY_H = 4;
const DEFAULT_PARTITIONS = parseBenchEnv({}).ADAPT_PARTITIONS;
const GOAL = { recall: 0.9, precision: 0.8, labels: 200 };
// Experiment: key transactions by destination (destination features exact, origin features per
// partition). Only the retrained models are consistent with it: they learn from the logged features.
const KEY_BY_DEST = BENCH.ADAPT_KEY === 'dest';
const NEW_RATE = BENCH.ADAPT_NEW_RATE;
const SEED = BENCH.ADAPT_SEED;
const logger = createLogger('bench-adaptation', BENCH.LOG_LEVEL ?? 'warn');
const say = (s: string) => process.stdout.write(`[adaptation] ${s}\n`);

const LABELS = {
  fraudDelay: { distribution: 'lognormal', median: '30m', sigma: 0.5, min: '5m', max: '6h' },
  legitDelay: { distribution: 'fixed', value: '2h' },
  legitSampleRate: 1,
};

/**
 * PaySim: takeover, then mule fan-in. Card: compromised terminals and card spikes, then card
 * testing; as much traffic per hour as the PaySim run (50,000 cards at about 4 payments a day),
 * so the retrain policy below fits both.
 */
function benchScenario(): Scenario {
  if (WORLD === 'card') {
    const known = { 'compromised-terminal': 0.002, 'card-spike': 0.0015 };
    return scenarioFromObject({
      name: 'bench-adaptation-card',
      world: 'card',
      start: '2026-01-01T00:00:00Z',
      txPerHour: 8500,
      population: { customers: 50_000, merchants: 5_000, terminals: 15_000 },
      labels: LABELS,
      phases: [
        { name: 'terminals-and-spikes', from: 0, typologies: known },
        { name: 'new-typology', from: `${APPEARS_H}h`, typologies: { ...known, [NEW]: NEW_RATE } },
      ],
    });
  }
  return scenarioFromObject({
    name: 'bench-adaptation',
    start: '2026-01-01T00:00:00Z',
    txPerHour: 8500,
    labels: LABELS,
    phases: [
      { name: 'takeover-only', from: 0, typologies: { takeover: 0.0013 } },
      { name: 'new-typology', from: `${APPEARS_H}h`, typologies: { takeover: 0.0013, [NEW]: NEW_RATE } },
    ],
  });
}
const scenario = benchScenario();

function shuffled(input: TrainInput) {
  const l = Float32Array.from(input.trainLabels);
  let s = 12345;
  for (let i = l.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [l[i], l[j]] = [l[j] ?? 0, l[i] ?? 0];
  }
  return trainXGBoost({ ...input, trainLabels: l });
}

async function main(): Promise<void> {
  const env = parseEnv(kafkaEnvSchema);
  const prefix = `bench-adapt-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const kafka = createKafka(env, 'bench-adaptation', logger);
  const admin = kafka.admin();
  await admin.connect();
  // fs-v2 destination features do not depend on partitions (docs/model.md); ADAPT_PARTITIONS
  // and ADAPT_KEY=dest show it.
  const partitions = BENCH.ADAPT_PARTITIONS;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.transactions, numPartitions: partitions },
      // A scorer transaction can carry thousands of scored records per partition: allow big batches.
      {
        topic: topics.scored,
        numPartitions: partitions,
        configEntries: [{ name: 'max.message.bytes', value: String(16 << 20) }],
      },
      { topic: topics.labels, numPartitions: partitions },
      { topic: topics.dlq, numPartitions: 1 },
      {
        topic: topics.modelUpdates,
        numPartitions: 1,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'max.message.bytes', value: String(16 << 20) },
        ],
      },
      { topic: topics.control, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
  const work = mkdtempSync(join(tmpdir(), 'bench-adaptation-'));
  const artifactsDir = join(work, 'artifacts');

  // 1. The initial champion: trained offline on the first phase's traffic (another seed, same world model).
  const preSim = createWorldSimulator({
    seed: `${SEED}-pretrain`,
    scenario: { ...scenario, phases: [scenario.phases[0]!] },
  });
  const pre: WorldEvent[] = [];
  for (const e of preSim) {
    if (e.transaction.eventTime >= preSim.start + 24 * H) break;
    pre.push(e);
  }
  say(
    `pretraining the initial champion on ${pre.length} ${scenario.phases[0]!.name} transactions ` +
      `(${pre.filter((e) => e.isFraud).length} frauds)`,
  );
  const t0 = Date.now();
  const initial = await trainPipeline({
    rows: pre.map((e) => ({ tx: e.transaction, isFraud: e.isFraud, typology: e.typology })),
    params: trainParams({
      rounds: 150,
      earlyStoppingRounds: 20,
      maxDepth: 6,
      eta: 0.1,
      subsample: 0.9,
      colsampleBytree: 0.9,
      nthread: 2,
    }),
    costs: DEFAULT_COSTS,
    split: { gapMs: 2 * H, validFraction: 0.2, testFraction: 0.1 },
    maxReviewRate: 0.01,
    maxBlockRate: 0.01,
    outDir: artifactsDir,
  });
  say(`initial champion ${initial.version} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 2. The retrainer (its trainer can be swapped for the deliberately bad one) and the scorer.
  let trainer: (i: TrainInput) => ReturnType<typeof trainXGBoost> = trainXGBoost;
  let simNow = scenario.start ?? Date.UTC(2026, 0, 1);
  const svc = await createRetrainerService({
    kafka,
    codecs,
    topics,
    dbPath: join(work, 'retrainer.duckdb'),
    artifactsDir,
    groupId: `${prefix}retrainer`,
    port: 0,
    host: '127.0.0.1',
    // Simulated time drives the scheduler, and it ticks only when the benchmark says (after each
    // simulated hour): runs then start at the same points on every run, so the same seed gives
    // the same numbers. (With the service's own 500 ms ticks on the wall clock they started
    // wherever the wall clock happened to be, and the results varied from run to run.)
    tickMs: 3_600_000,
    now: () => simNow,
    logger,
    train: (i) => trainer(i),
    initialPolicy: {
      // A short window and small validation/test parts: a new pattern reaches the training part
      // a few simulated hours after it appears (it shows up in validation and test first).
      minNewLabels: 30_000,
      minIntervalMinutes: 0.25,
      maxIntervalMinutes: 600,
      trainingWindowHours: 12,
      retentionHours: 200,
      maturityHours: 2,
      labelDelayGapHours: 0.25,
      validationFraction: 0.1,
      testFraction: 0.1,
      minTrainingRows: 5000,
      minTrainingPositives: 20,
      drift: { psiThreshold: null, recallFloor: 0.8, performanceWindowLabels: 20_000, performanceMinPositives: 15 },
      xgboost: { rounds: 150, earlyStoppingRounds: 20, maxDepth: 6, eta: 0.1, nthread: 2 },
      missedFraudWeight: BENCH.BENCH_ADAPTATION_MISSED_FRAUD_WEIGHT,
      promotion: { metric: 'aucpr', margin: 0.005, maxFprIncrease: 0.02, minHoldoutPositives: 5 },
    },
  });
  await svc.start();
  await svc.ops.promote(initial.version, {
    shadow: false,
    actor: 'bench',
    reason: `initial champion (${scenario.phases[0]!.name})`,
  });
  const scorer = await runScorer(
    parseScorerEnv(
      envWith({
        TOPIC_PREFIX: prefix,
        SCORER_GROUP_ID: `${prefix}scorer`,
        SCORER_METRICS_PORT: '0',
        SCORER_MAX_BATCH: '1000',
        LOG_LEVEL: 'warn',
      }),
    ),
    logger,
  );
  await waitFor(() => svc.models.champion()?.version === initial.version, {
    timeoutMs: 30_000,
    what: 'initial champion seen by the retrainer',
  });

  // 3. Accelerated simulated time, one hour at a time.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sim = createWorldSimulator({ seed: SEED, scenario });
  const labels = createLabelScheduler();
  let publishedTx = 0;
  let publishedLabels = 0;
  let carry: WorldEvent | null = null;
  let badDone = false;
  let recoveredAtHour: number | null = null;
  const wall0 = Date.now();
  const sendLabels = async (ls: ReturnType<typeof labels.due>) => {
    for (let k = 0; k < ls.length; k += 5000) {
      const chunk = ls.slice(k, k + 5000);
      await producer.send({
        topic: topics.labels,
        messages: chunk.map((l) => ({ key: l.txId, value: codecs.label.encode(l) })),
      });
    }
    publishedLabels += ls.length;
  };
  const caughtUp = async () => {
    await waitFor(async () => (await svc.store.training.stats()).scored >= publishedTx, {
      timeoutMs: 600_000,
      intervalMs: 200,
      what: 'scorer and retrainer caught up',
    });
    await waitFor(async () => (await svc.store.training.counters()).labels_received >= publishedLabels, {
      timeoutMs: 600_000,
      intervalMs: 200,
      what: 'labels ingested',
    });
    await svc.scheduler.tick();
    await waitFor(() => svc.scheduler.status().running === null, {
      timeoutMs: 900_000,
      intervalMs: 250,
      what: 'retraining run finished',
    });
    // The next hour is scored by the model the retrainer has in force, not by the one before it.
    await waitFor(() => scorer.models.current()?.champion.version === svc.models.champion()?.version, {
      timeoutMs: 120_000,
      intervalMs: 50,
      what: 'the scorer serving the champion',
    });
  };
  for (let hour = 1; hour <= MAX_H; hour++) {
    const end = sim.start + hour * H;
    const batch: WorldEvent[] = carry ? [carry] : [];
    carry = null;
    for (;;) {
      const e = sim.next();
      if (e.transaction.eventTime >= end) {
        carry = e;
        break;
      }
      batch.push(e);
    }
    for (let k = 0; k < batch.length; k += 5000) {
      const chunk = batch.slice(k, k + 5000);
      await producer.send({
        topic: topics.transactions,
        messages: chunk.map((e) => ({
          key: KEY_BY_DEST ? e.transaction.destAccount : e.transaction.originAccount,
          value: codecs.transaction.encode(e.transaction),
        })),
      });
    }
    publishedTx += batch.length;
    simNow = end;
    for (const e of batch) if (e.label) labels.schedule(e.label);
    await sendLabels(labels.due(end));
    await caughtUp();
    if (!badDone && hour >= APPEARS_H + 5) {
      // The guard under test: a challenger trained on shuffled labels must be rejected.
      trainer = shuffled;
      try {
        const bad = await svc.scheduler.requestRun({ force: true, actor: 'bench-bad-challenger' });
        say(`deliberately bad challenger ${bad.version}: ${bad.status} (${bad.reason})`);
      } finally {
        trainer = trainXGBoost;
      }
      badDone = true;
    }
    const runs = await svc.store.registry.runs(1000);
    const q = await windowQuality(svc.store.db, NEW, end - H, end);
    say(
      `sim hour ${hour}: ${publishedTx} tx, ${publishedLabels} labels, ` +
        `champion ${svc.models.champion()?.version ?? '-'}, runs ${runs.length}, ${NEW} recall this ` +
        `hour ${q.recall === null ? '-' : q.recall.toFixed(2)} (${q.frauds} labelled)`,
    );
    if (recoveredAtHour === null && hour > APPEARS_H && (await recoveredPromotion(svc, runs)) !== null)
      recoveredAtHour = hour;
    if (recoveredAtHour !== null && hour >= recoveredAtHour + AFTER_RECOVERY_H) break;
  }
  // All the truth, so every scored transaction is evaluated.
  await sendLabels(labels.drain());
  await waitFor(async () => (await svc.store.training.counters()).labels_received >= publishedLabels, {
    timeoutMs: 600_000,
    intervalMs: 200,
    what: 'final labels ingested',
  });
  const wallSeconds = (Date.now() - wall0) / 1000;

  // 4. Results.
  const runs = (await svc.store.registry.runs(1000)).slice().reverse();
  const appearsAt = sim.start + APPEARS_H * H;
  const rec = await recoveredPromotion(svc, runs);
  const firstPromotionAfter = runs.find((r) => r.status === 'promoted' && (runEventTime(r) ?? 0) > appearsAt);
  const beforeEnd = firstPromotionAfter ? (runEventTime(firstPromotionAfter) ?? Infinity) : Infinity;
  const before = await windowQuality(svc.store.db, NEW, appearsAt, beforeEnd);
  // From the first transaction the recovering model scored: its own decisions, and the time it went live.
  const recAt = (rec ? await firstScoredBy(svc, rec.version) : null) ?? Infinity;
  const after = await windowQuality(svc.store.db, NEW, recAt, Infinity);
  const timeline = await typologyTimeline(svc.store.db, NEW, H);
  const promotions = runs.filter((r) => r.status === 'promoted');
  // Evidence of the live swap: which model scored what (the scorer was never restarted).
  const byModel = await svc.store.db.all(
    `SELECT model_version, count(*) AS n, min(event_time) AS first FROM scored GROUP BY 1 ORDER BY first`,
  );
  const result = {
    world: WORLD,
    typology: NEW,
    new_typology_rate: NEW_RATE,
    feature_set: FEATURE_SET,
    // Batches scored before the destination view caught up (0 means every feature was exact).
    dest_view_lagging_batches: (await scorer.metrics.viewLagging.get()).values[0]?.value ?? 0,
    partitions,
    transactions_key: KEY_BY_DEST ? 'destAccount' : 'originAccount',
    recall_before: before.recall,
    recall_after: rec ? after.recall : null,
    precision_after: rec ? after.precision : null,
    labels_to_recover: rec ? await typologyLabelsAt(svc.store.db, NEW, rec.joinSeq) : null,
    minutes_to_recover: rec ? Math.round((recAt - appearsAt) / 60_000) : null,
    recovered: rec !== null,
    recovering_version: rec?.version ?? null,
    promotions: promotions.length,
    rejected_challengers: runs.filter((r) => r.status === 'rejected').length,
    runs: runs.map((r) => ({
      version: r.version,
      trigger: r.trigger,
      status: r.status,
      reason: r.reason,
      sim_hour: hoursOf(r, sim.start),
      wall_seconds: r.finishedAt === null ? null : (r.finishedAt - r.startedAt) / 1000,
      train_rows: r.trainRows,
      holdout_positives: r.holdoutPositives,
      challenger_aucpr: (r.challengerMetrics as { aucpr?: number } | null)?.aucpr ?? null,
      champion_aucpr: (r.championMetrics as { aucpr?: number } | null)?.aucpr ?? null,
    })),
    scored_by_model: byModel.map((r) => ({
      version: String(r.model_version),
      transactions: Number(r.n),
      from_sim_hour: Math.round(((Number(r.first) - sim.start) / H) * 10) / 10,
    })),
    timeline: timeline.map((b) => ({
      sim_hour: (b.at - sim.start) / H,
      frauds: b.frauds,
      recall: b.recall,
      precision: b.precision,
    })),
    transactions: publishedTx,
    labels: publishedLabels,
    simulated_hours: Math.round((sim.now - sim.start) / H),
    appears_at_hour: APPEARS_H,
    wall_seconds: Math.round(wallSeconds),
    goal: { recall_after_min: GOAL.recall, labels_to_recover_max: GOAL.labels, precision_min: GOAL.precision },
    method:
      'accelerated simulated time with back-pressure: one simulated hour published, then wait for scorer, retrainer ' +
      'and any run; recall/precision from live decisions (logged score vs logged review threshold)',
  };
  mkdirSync('bench/results', { recursive: true });
  // Another partition count is an experiment beside the benchmark: its own files.
  const base =
    partitions === DEFAULT_PARTITIONS
      ? 'adaptation'
      : `adaptation-${partitions}-partition${partitions === 1 ? '' : 's'}`;
  const name = `${base}${WORLD === 'card' ? '-card' : ''}${KEY_BY_DEST ? '-keyed-by-dest' : ''}`;
  writeFileSync(`bench/results/${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(
    `bench/results/${name}.svg`,
    lineChartSvg({
      title: `Recall on "${NEW}" (appears at sim hour ${APPEARS_H}) per simulated hour`,
      xLabel: 'simulated hours',
      yLabel: 'recall (REVIEW or BLOCK)',
      threshold: 0.9,
      series: [
        {
          name: `${NEW} recall`,
          color: '#d62728',
          points: timeline
            .filter((b) => b.at >= appearsAt - 2 * H)
            .map((b) => ({ x: (b.at - sim.start) / H, y: b.recall })),
        },
        {
          name: 'precision (all)',
          color: '#1f77b4',
          points: timeline.map((b) => ({ x: (b.at - sim.start) / H, y: b.precision })),
        },
      ],
      markers: [
        { x: APPEARS_H, label: `${NEW} appears`, color: '#444' },
        ...runs
          .filter((r) => r.status === 'promoted' || r.status === 'rejected')
          .map((r) => ({
            x: hoursOf(r, sim.start) ?? 0,
            label: r.status === 'promoted' ? 'promoted' : 'rejected',
            color: r.status === 'promoted' ? '#2ca02c' : '#ff7f0e',
          })),
      ],
    }),
  );
  say(`results: bench/results/${name}.json, chart bench/results/${name}.svg`);
  say(JSON.stringify({ ...result, runs: undefined, timeline: undefined }));

  await producer.disconnect();
  await scorer.stop();
  await svc.stop();
  await admin
    .deleteTopics({ topics: Object.values(topics).filter((t) => t !== topics.schemas) })
    .catch(() => undefined);
  await admin.disconnect();
}

function hoursOf(r: RunRecord, start: number): number | null {
  const t = runEventTime(r);
  return t === null ? null : Math.round(((t - start) / H) * 10) / 10;
}

/** Event time of the first transaction a model version scored, or null if it scored none. */
async function firstScoredBy(
  svc: Awaited<ReturnType<typeof createRetrainerService>>,
  version: string,
): Promise<number | null> {
  const [first] = await svc.store.db.all('SELECT min(event_time) AS t FROM scored WHERE model_version = $1', [version]);
  return first?.t === null || first?.t === undefined ? null : Number(first.t);
}

/**
 * The first promotion after the new typology appeared whose own decisions reach the goal, recall
 * >= 0.9 on the new typology at precision >= 0.8 over all flagged, over the 3 simulated hours
 * from the first transaction it scored. (Measured from the run's start, the window also held the
 * transactions the old champion scored while the run trained; and a model that reached the
 * recall by flagging five legitimate transactions for each fraud does not count.)
 */
async function recoveredPromotion(
  svc: Awaited<ReturnType<typeof createRetrainerService>>,
  runs: readonly RunRecord[],
): Promise<RunRecord | null> {
  const start = (await svc.store.training.stats()).minEventTime ?? 0;
  const appearsAt = Math.floor(start / H) * H + APPEARS_H * H;
  for (const r of [...runs].sort((a, b) => a.startedAt - b.startedAt)) {
    const t = runEventTime(r);
    if (r.status !== 'promoted' || t === null || t <= appearsAt) continue;
    const from = await firstScoredBy(svc, r.version);
    if (from === null) continue;
    const q = await windowQuality(svc.store.db, NEW, from, from + 3 * H);
    if (q.frauds >= 10 && (q.recall ?? 0) >= GOAL.recall && (q.precision ?? 0) >= GOAL.precision) return r;
  }
  return null;
}

main().catch((err: unknown) => {
  logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'adaptation benchmark failed');
  process.stderr.write(`adaptation benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
