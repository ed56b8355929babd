/**
 * Quality benchmark (npm run bench -- quality, or npx tsx bench/quality.ts): per data set, a
 * time-ordered split after the Reproducible Machine Learning for Credit Card Fraud Detection
 * handbook (train a window, skip a delay as long as the label delay, test the window after it),
 * XGBoost trained with the data set's feature spec AND a reference trained on the same rows without
 * the spec's label-derived features, so the value of label features is measured. Per data set and
 * model: AUPRC, ROC AUC, Card Precision@100 per day, recall at a 1% review rate, top features by
 * gain (model/src/eval/quality.ts; docs/model.md "Quality as a benchmark").
 * Writes bench/results/quality.json; progress on stderr, the table on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { LabelEvent, Matrix, QualityData, QualityResult, QualitySplit, TrainParams } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import { paysimFixture } from '@fraud/common/testing';
import { simulateCard } from '@fraud/producers';
import {
  builtInFeatureSpecs,
  compileFeatureSpec,
  loadFeatureSpec,
  loadPaysimCsv,
  negativeWeightForRate,
  paysimEventTime,
  runQuality,
  sortByEventTime,
  splitBackFrom,
  trainParams,
  xgboostVersion,
} from '@fraud/model';

const DAY_MS = 86_400_000;

/** The card world's run: the handbook's population size (5,000 cards, 10,000 terminals), 60 days. */
const CARD = { seed: 'quality-1', days: 60, customers: 5_000, terminals: 10_000, start: Date.UTC(2026, 0, 1) };

/** One data set: its rows featurised, its split and what the report says about it. */
interface DataSet {
  name: string;
  source: string;
  spec: string;
  specHash: string;
  labelDelayHours: number;
  /** The true fraud rate the metrics are weighted back to (over-sampled files), or null. */
  trueFraudRate: number | null;
  data: QualityData;
  split: QualitySplit;
}

const PARAMS: TrainParams = trainParams({
  rounds: 200,
  maxDepth: 6,
  eta: 0.1,
  subsample: 0.9,
  colsampleBytree: 0.8,
  nthread: 2,
  seed: 1,
});

const log = (s: string): void => void process.stderr.write(`[quality] ${s}\n`);

interface SpecFeatures {
  spec: string;
  specHash: string;
  names: readonly string[];
  /** The spec's label-derived features (fraudCount, fraudRate), dropped for the reference model. */
  labelFeatures: string[];
  matrix: Matrix;
}

/** A shipped spec's features over a whole history, each label seen from its arrival on. */
function specFeatures(dataSet: string, name: string, txs: readonly Transaction[], labels: LabelEvent[]): SpecFeatures {
  const spec = loadFeatureSpec(name);
  const compiled = compileFeatureSpec(spec);
  const labelFeatures = spec.features.filter((f) => f.op === 'fraudCount' || f.op === 'fraudRate').map((f) => f.name);
  log(`${dataSet}: computing ${compiled.featureSet} (${compiled.names.length} features) over ${txs.length} rows`);
  let reported = 0;
  const matrix = compiled.computeFile(txs, labels, {
    onProgress: (done, total) => {
      if (done === total || done - reported >= total / 10) {
        log(`${dataSet}: features ${done}/${total}`);
        reported = done;
      }
    },
  });
  return { spec: compiled.featureSet, specHash: compiled.hash, names: compiled.names, labelFeatures, matrix };
}

/**
 * PaySim's shared rows: the steps 1-119 sample (every fraud of those steps, 50,000 random legitimate
 * rows; one step = one hour). The handbook's 7 + 7 + 7 days become thirds of its 119 steps: train
 * steps 1-40, delay steps 41-80 (the label delay, 40 h), test steps 81-119. Fraud is over-sampled:
 * legitimate rows are weighted back to the true 0.13% rate in the metrics (not in Card Precision).
 */
const PAYSIM_LABEL_DELAY_MS = 40 * 3_600_000;

async function paysimDataSet(): Promise<DataSet> {
  const file = 'paysim-steps1-119-sample.csv';
  const rows = sortByEventTime(await loadPaysimCsv(paysimFixture(file)));
  const txs = rows.map((r) => r.tx);
  const labels = Float32Array.from(rows, (r) => (r.isFraud ? 1 : 0));
  const labelEvents = rows.map((r) => ({
    txId: r.tx.txId,
    isFraud: r.isFraud,
    labeledAt: r.tx.eventTime + PAYSIM_LABEL_DELAY_MS,
  }));
  const f = specFeatures('paysim', 'fs-v2', txs, labelEvents);
  const trueFraudRate = 0.0013;
  return {
    name: 'paysim',
    source: `fixtures/paysim/${file}`,
    spec: f.spec,
    specHash: f.specHash,
    labelDelayHours: PAYSIM_LABEL_DELAY_MS / 3_600_000,
    trueFraudRate,
    data: {
      eventTimes: Float64Array.from(txs, (t) => t.eventTime),
      labels,
      cards: txs.map((t) => t.originAccount),
      features: f.matrix,
      featureNames: f.names,
      labelFeatures: f.labelFeatures,
      negativeWeight: negativeWeightForRate(labels, trueFraudRate),
    },
    split: {
      train: { from: paysimEventTime(1), to: paysimEventTime(41) },
      test: { from: paysimEventTime(81), to: paysimEventTime(120) },
    },
  };
}

/**
 * The card world (W's simulator, offline): 60 simulated days, seed fixed. Split at the end, as the
 * handbook: train days 39-45, delay days 46-52 (7 days), test days 53-59; the days before train are
 * feature history (30-day windows). Label features see each label from its labeledAt on (the
 * simulator's delays: fraud lognormal, median 1 day, at most 14; legitimate 2 days).
 */
function cardDataSet(): DataSet {
  log(`card: simulating ${CARD.days} days, ${CARD.customers} cards, seed ${CARD.seed}`);
  const sim = simulateCard(CARD);
  const txs = sim.transactions;
  log(`card: ${txs.length} payments, ${sim.labels.length} labels`);
  // payments-v1 is the general spec for payments without balances; fs-v2 only while it is not shipped
  const specName = builtInFeatureSpecs().includes('payments-v1') ? 'payments-v1' : 'fs-v2';
  const f = specFeatures('card', specName, txs, sim.labels);
  const end = CARD.start + CARD.days * DAY_MS;
  return {
    name: 'card',
    source: `simulateCard(${JSON.stringify(CARD)})`,
    spec: f.spec,
    specHash: f.specHash,
    labelDelayHours: 7 * 24,
    trueFraudRate: null,
    data: {
      eventTimes: Float64Array.from(txs, (t) => t.eventTime),
      labels: Float32Array.from(sim.truth, (t) => (t.isFraud ? 1 : 0)),
      cards: txs.map((t) => t.originAccount),
      features: f.matrix,
      featureNames: f.names,
      labelFeatures: f.labelFeatures,
    },
    split: splitBackFrom(end, { train: 7 * DAY_MS, delay: 7 * DAY_MS, test: 7 * DAY_MS }),
  };
}

type Row = { dataset: string; model: string } & Record<string, number | string>;

function tableRows(name: string, r: QualityResult): Row[] {
  return Object.entries(r.models).map(([model, m]) => ({
    dataset: name,
    model,
    auprc: Number(m.auprc.toFixed(4)),
    roc_auc: Number(m.roc_auc.toFixed(4)),
    cp_at_100_per_day: Number(m.cp_at_100_per_day.toFixed(4)),
    recall_at_1pct_review: Number(m.recall_at_1pct_review.toFixed(4)),
  }));
}

function formatTable(rows: Row[]): string {
  const cols = ['dataset', 'model', 'auprc', 'roc_auc', 'cp_at_100_per_day', 'recall_at_1pct_review'];
  const cells = [cols, ...rows.map((r) => cols.map((c) => String(r[c] ?? '')))];
  const widths = cols.map((_, j) => Math.max(...cells.map((row) => (row[j] ?? '').length)));
  return cells.map((row) => row.map((c, j) => c.padEnd(widths[j] ?? 0)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = Number((loadavg()[0] ?? 0).toFixed(2));
  const dataSets = [await paysimDataSet(), cardDataSet()];
  const results: Record<string, unknown> = {};
  const table: Row[] = [];
  for (const ds of dataSets) {
    log(`${ds.name}: training the model and its reference without label features`);
    let last = '';
    const r = await runQuality(ds.data, ds.split, PARAMS, (model, stage, done, total) => {
      const step = `${model} ${stage}`;
      if (step !== last || done === total || done % 50 === 0) log(`${ds.name}: ${step} ${done}/${total}`);
      last = step;
    });
    results[ds.name] = {
      source: ds.source,
      spec: ds.spec,
      spec_hash: ds.specHash,
      label_delay_hours: ds.labelDelayHours,
      weighted_to_fraud_rate: ds.trueFraudRate,
      negative_weight: ds.data.negativeWeight ?? 1,
      ...r,
    };
    table.push(...tableRows(ds.name, r));
  }
  const out = {
    protocol:
      'per data set: train window, delay window as long as the label delay, test window (time-ordered, never ' +
      'random); XGBoost with the spec, and a reference without its label-derived features, on the same rows; ' +
      'metrics on the test window (docs/model.md, "Quality as a benchmark")',
    params: PARAMS,
    table,
    datasets: results,
    xgboost: xgboostVersion(),
    cpus: cpus().length,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    load_average_1m_at_start: loadAtStart,
    load_average_1m_at_end: Number((loadavg()[0] ?? 0).toFixed(2)),
    measured_at: new Date().toISOString(),
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'quality.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${formatTable(table)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
