import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { FraudError } from '@fraud/common';
import {
  DEFAULT_COSTS,
  DEFAULT_SPLIT,
  evaluate,
  explicitSplit,
  formatReport,
  loadModelArtifact,
  loadPaysimCsv,
  negativeWeightForRate,
  paysimEventTime,
  planSplit,
  prCurveSvg,
  reasonsFor,
  scoreTransactions,
  trainPipeline,
  weightsFor,
  type Costs,
  type EvalReport,
  type PaysimRow,
  type PipelineResult,
  type SplitPlan,
  type Thresholds,
  type TrainParams,
} from '@fraud/model';
import { nonNegativeInt } from '../args.ts';
import { envCommand } from '../config/catalogue.ts';

/**
 * `fraud model train|evaluate|score`: the model toolkit offline, on Kaggle-format PaySim CSVs.
 * Everything here is wiring; the logic lives in @fraud/model (pipeline, eval, policy).
 */

const positive =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0`);
    return n;
  };
const rate =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be in (0, 1]`);
    return n;
  };

/** cli-progress on a TTY; plain lines every 10% (or stage change) otherwise. */
function createProgress(enabled: boolean): {
  update(stage: string, done: number, total: number, note?: string): void;
  stop(): void;
} {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let stage = '';
  let lastPct = -1;
  return {
    update(s, done, total, note) {
      if (!enabled) return;
      if (tty) {
        if (s !== stage) {
          bar?.stop();
          bar = new cliProgress.SingleBar(
            {
              format: `${s.padEnd(10)} [{bar}] {percentage}% {value}/{total} {note}`,
              stream: process.stderr,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(total, 1), 0, { note: '' });
          stage = s;
        }
        bar?.setTotal(Math.max(total, 1));
        bar?.update(done, { note: note ?? '' });
        return;
      }
      const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
      if (s !== stage || pct !== lastPct) {
        process.stderr.write(`${s}: ${done}/${total} (${pct}%)${note === undefined ? '' : ` ${note}`}\n`);
        stage = s;
        lastPct = pct;
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

async function readCsv(
  path: string,
  opts: { untilStep?: number },
  progress: ReturnType<typeof createProgress>,
): Promise<PaysimRow[]> {
  const rows = await loadPaysimCsv(path, {
    untilStep: opts.untilStep,
    onProgress: (n) => progress.update('reading', n, n),
  });
  if (rows.length === 0)
    throw new FraudError(
      'CSV_INVALID',
      `${path} has no data rows${opts.untilStep === undefined ? '' : ` up to step ${opts.untilStep}`}`,
    );
  return rows;
}

function costsFrom(o: { reviewCost?: number; blockCost?: number }): Costs {
  return {
    ...DEFAULT_COSTS,
    ...(o.reviewCost === undefined ? {} : { reviewCost: o.reviewCost }),
    ...(o.blockCost === undefined ? {} : { blockFrictionCost: o.blockCost }),
  };
}

interface TrainOpts {
  csv: string;
  untilStep?: number;
  out: string;
  rounds: number;
  gapHours: number;
  validFromStep?: number;
  testFromStep?: number;
  validFraction: number;
  testFraction: number;
  fraudRate?: number;
  reviewCost?: number;
  blockCost?: number;
  maxReviewRate: number;
  maxBlockRate: number;
  maxDepth: number;
  eta: number;
  threads: number;
  json?: boolean;
  progress: boolean;
}

async function train(o: TrainOpts): Promise<void> {
  const progress = createProgress(o.progress);
  const rows = await readCsv(o.csv, o, progress);
  const plan = splitPlanOf(o, rows);
  const negativeWeight =
    o.fraudRate === undefined
      ? 1
      : negativeWeightForRate(
          rows.map((r) => (r.isFraud ? 1 : 0)),
          o.fraudRate,
        );
  const res = await trainPipeline({
    rows,
    params: trainParamsOf(o),
    costs: costsFrom(o),
    plan,
    negativeWeight,
    maxReviewRate: o.maxReviewRate,
    maxBlockRate: o.maxBlockRate,
    outDir: o.out,
    provenance: {
      csv: o.csv,
      untilStep: o.untilStep ?? null,
      fraudRate: o.fraudRate ?? null,
      command: process.argv.slice(2).join(' '),
    },
    onProgress: (stage, done, total, note) => progress.update(stage, done, total, note),
  });
  progress.stop();
  if (o.json === true) {
    const summary = {
      version: res.version,
      dir: res.dir,
      thresholds: res.thresholds,
      windows: res.windows,
      validation: res.validation,
      test: res.test,
      atF1: { threshold: res.atF1.threshold, test: res.atF1.test },
      importance: res.importance,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${formatTrainResult(res)}\n`);
}

/** Explicit step boundaries when given, else the planned split by fractions of rows. */
function splitPlanOf(o: TrainOpts, rows: readonly PaysimRow[]): SplitPlan {
  const gapMs = o.gapHours * 3_600_000;
  const times = rows.map((r) => r.tx.eventTime);
  if (o.validFromStep !== undefined || o.testFromStep !== undefined) {
    if (o.validFromStep === undefined)
      throw new FraudError('BAD_REQUEST', '--test-from-step needs --valid-from-step too');
    return explicitSplit({
      trainFrom: Math.min(...times),
      validFrom: paysimEventTime(o.validFromStep),
      testFrom: o.testFromStep === undefined ? null : paysimEventTime(o.testFromStep),
      gapMs,
    });
  }
  return planSplit(times, { gapMs, validFraction: o.validFraction, testFraction: o.testFraction });
}

function trainParamsOf(o: TrainOpts): TrainParams {
  return {
    rounds: o.rounds,
    earlyStoppingRounds: Math.max(10, Math.round(o.rounds / 8)),
    maxDepth: o.maxDepth,
    eta: o.eta,
    subsample: 0.9,
    colsampleBytree: 0.8,
    minChildWeight: 1,
    lambda: 1,
    scalePosWeight: null,
    nthread: o.threads,
    seed: 1,
  };
}

function formatTrainResult(res: PipelineResult): string {
  const w = res.windows;
  const out = [
    `model ${res.version} written to ${res.dir ?? '(not written)'}`,
    `train ${w.train.from} .. ${w.train.to}: ${w.train.rows} rows, ${w.train.frauds} fraud; ` +
      `label-delay gap ${w.gapMs / 3_600_000} h`,
    `valid ${w.valid.from} .. ${w.valid.to}: ${w.valid.rows} rows, ${w.valid.frauds} fraud`,
    w.test === null
      ? 'no test window'
      : `test  ${w.test.from} .. ${w.test.to}: ${w.test.rows} rows, ${w.test.frauds} fraud`,
    `XGBoost: best iteration ${res.train.bestIteration} of ${res.train.rounds}, ` +
      `scale_pos_weight ${res.train.scalePosWeight.toFixed(2)}, ${res.train.seconds.toFixed(1)} s; ` +
      `ONNX parity max |diff| ${res.parityMaxAbsDiff.toExponential(2)}`,
    '',
    formatReport(res.validation, 'VALIDATION at the cost-optimal thresholds'),
    '',
    res.test === null ? '' : formatReport(res.test, 'TEST (future) at the cost-optimal thresholds'),
    '',
    res.atF1.test === null
      ? ''
      : formatReport(
          res.atF1.test,
          `TEST at the F1-optimal threshold ${res.atF1.threshold.toFixed(4)} (chosen on validation, for comparison)`,
        ),
    '',
    `top features (mean |SHAP|): ${res.importance
      .slice(0, 8)
      .map((f) => `${f.feature} ${f.meanAbsShap.toFixed(3)}`)
      .join(', ')}`,
  ];
  return out.join('\n');
}

interface EvalOpts {
  model: string;
  csv: string;
  fromStep?: number;
  untilStep?: number;
  fraudRate?: number;
  at: string;
  json?: boolean;
  prCurve?: string;
  progress: boolean;
}

/** Thresholds to evaluate at: the artifact's cost-optimal pair, its F1 comparison threshold, or a number. */
function thresholdsAt(at: string, art: { thresholds: Thresholds; metadata: Record<string, unknown> }): Thresholds {
  if (at === 'cost') return art.thresholds;
  if (at === 'f1') {
    const t = (art.metadata.metricsAtF1Threshold as { threshold?: unknown } | undefined)?.threshold;
    if (typeof t !== 'number')
      throw new FraudError('MODEL_INVALID', 'this artifact records no F1 threshold; use --at cost or a number');
    return { review: t, block: t };
  }
  const x = Number(at);
  if (!(x >= 0 && x <= 1))
    throw new FraudError('BAD_REQUEST', `--at must be cost, f1 or a threshold in [0, 1], got ${at}`);
  return { review: x, block: x };
}

async function evaluateCmd(o: EvalOpts): Promise<void> {
  const progress = createProgress(o.progress);
  const art = await loadModelArtifact(o.model);
  try {
    const rows = await readCsv(o.csv, o, progress);
    const scored = await scoreTransactions(
      art,
      rows.map((r) => r.tx),
      (d, t) => progress.update('scoring', d, t),
    );
    progress.stop();
    const idx = rows.map((r, i) => (o.fromStep === undefined || r.step >= o.fromStep ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0)
      throw new FraudError('BAD_REQUEST', `no rows at or after step ${o.fromStep}; lower --from-step`);
    const labels = idx.map((i) => (rows[i]?.isFraud === true ? 1 : 0));
    const weights =
      o.fraudRate === undefined ? undefined : weightsFor(labels, negativeWeightForRate(labels, o.fraudRate));
    const report: EvalReport = evaluate({
      scores: idx.map((i) => scored.scores[i] ?? 0),
      labels,
      amountsMinor: idx.map((i) => rows[i]?.tx.amount ?? 0),
      types: idx.map((i) => rows[i]?.tx.type ?? 'PAYMENT'),
      typologies: idx.map((i) => rows[i]?.typology ?? null),
      weights,
      thresholds: thresholdsAt(o.at, art),
      costs: art.costs,
    });
    if (o.prCurve !== undefined) {
      await mkdir(dirname(o.prCurve), { recursive: true });
      await writeFile(
        o.prCurve,
        prCurveSvg(
          [
            {
              name: `${art.metadata.version} on ${o.csv.split('/').pop() ?? o.csv}`,
              points: report.prCurve,
              auprc: report.auprc,
            },
          ],
          `PR curve, model ${art.metadata.version}`,
        ),
      );
    }
    if (o.json === true) {
      const json = { model: art.metadata.version, csv: o.csv, fromStep: o.fromStep ?? null, ...report };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      const from = o.fromStep === undefined ? '' : ` from step ${o.fromStep}`;
      const title = `model ${art.metadata.version} on ${o.csv}${from}`;
      const curve = o.prCurve === undefined ? '' : `PR curve written to ${o.prCurve}\n`;
      process.stdout.write(`${formatReport(report, title)}\n${curve}`);
    }
  } finally {
    await art.model.dispose();
  }
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function scoreCmd(o: {
  model: string;
  csv: string;
  out: string;
  topK: number;
  reasons: string;
  progress: boolean;
}): Promise<void> {
  if (o.reasons !== 'all' && o.reasons !== 'flagged')
    throw new FraudError('BAD_REQUEST', `--reasons must be all or flagged, got ${o.reasons}`);
  const progress = createProgress(o.progress);
  const art = await loadModelArtifact(o.model);
  try {
    const rows = await readCsv(o.csv, {}, progress);
    const scored = await scoreTransactions(
      art,
      rows.map((r) => r.tx),
      (d, t) => progress.update('scoring', d, t),
    );
    const lines = ['row,txId,step,type,amount,score,decision,reasons'];
    rows.forEach((r, i) => {
      const decision = scored.decisions[i] ?? 'APPROVE';
      const explain = o.reasons === 'all' || decision !== 'APPROVE';
      const reasons = explain
        ? reasonsFor(art, scored, i, o.topK)
            .map((x) => {
              const sign = x.contribution >= 0 ? '+' : '';
              return `${x.feature}=${Number(x.value.toPrecision(6))}(${sign}${x.contribution.toFixed(3)})`;
            })
            .join('; ')
        : '';
      lines.push(
        [
          r.rowNumber,
          r.tx.txId,
          r.step,
          r.tx.type,
          (r.tx.amount / 100).toFixed(2),
          (scored.scores[i] ?? 0).toFixed(6),
          decision,
          csvCell(reasons),
        ].join(','),
      );
      if ((i + 1) % 5000 === 0) progress.update('explaining', i + 1, rows.length);
    });
    progress.stop();
    await mkdir(dirname(o.out), { recursive: true });
    await writeFile(o.out, `${lines.join('\n')}\n`);
    const counts = scored.decisions.reduce<Record<string, number>>(
      (acc, d) => ({ ...acc, [d]: (acc[d] ?? 0) + 1 }),
      {},
    );
    process.stdout.write(
      `scored ${rows.length} rows with model ${art.metadata.version} -> ${o.out} (${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})\n`,
    );
  } finally {
    await art.model.dispose();
  }
}

export function register(program: Command): void {
  const model = envCommand(
    program,
    'model',
    'train, evaluate and batch-score fraud models on PaySim-format CSV files',
    'model',
  );

  registerTrain(model);
  registerEvaluate(model);
  registerScore(model);
}

function registerTrain(model: Command): void {
  model
    .command('train')
    .description(
      'train XGBoost on a PaySim CSV with a time split (train, label-delay gap, validation, gap, test), ' +
        'pick cost-optimal thresholds, write model-artifacts/<version>/',
    )
    .requiredOption('--csv <file>', 'Kaggle-format PaySim CSV (step,type,amount,nameOrig,...)')
    .option('--until-step <n>', 'use only rows with step <= n', nonNegativeInt('--until-step'))
    .option('--out <dir>', 'artifact root directory', 'model-artifacts')
    .option('--rounds <n>', 'boosting rounds (early stopping on validation)', nonNegativeInt('--rounds'), 300)
    .option(
      '--gap-hours <h>',
      'label-delay gap between train, validation and test',
      positive('--gap-hours'),
      DEFAULT_SPLIT.gapMs / 3_600_000,
    )
    .option(
      '--valid-from-step <n>',
      'validation starts at this step (default: by --valid-fraction)',
      nonNegativeInt('--valid-from-step'),
    )
    .option(
      '--test-from-step <n>',
      'test starts at this step (default: by --test-fraction)',
      nonNegativeInt('--test-from-step'),
    )
    .option(
      '--valid-fraction <f>',
      'fraction of rows (latest before test) for validation',
      rate('--valid-fraction'),
      DEFAULT_SPLIT.validFraction,
    )
    .option(
      '--test-fraction <f>',
      'fraction of rows (latest) for test',
      positive('--test-fraction'),
      DEFAULT_SPLIT.testFraction,
    )
    .option(
      '--fraud-rate <r>',
      'true fraud rate of the population, for files with over-sampled fraud (e.g. 0.0013): ' +
        'weights legitimate rows in thresholds and metrics',
      rate('--fraud-rate'),
    )
    .option('--review-cost <x>', 'cost of one analyst review (major currency units)', positive('--review-cost'))
    .option('--block-cost <x>', 'friction cost of blocking a legitimate transaction', positive('--block-cost'))
    .option(
      '--max-review-rate <r>',
      'most transactions (fraction) the analysts can review',
      rate('--max-review-rate'),
      0.01,
    )
    .option('--max-block-rate <r>', 'most transactions (fraction) that may be blocked', rate('--max-block-rate'), 0.01)
    .option('--max-depth <n>', 'tree depth', nonNegativeInt('--max-depth'), 6)
    .option('--eta <x>', 'learning rate', positive('--eta'), 0.1)
    .option('--threads <n>', 'XGBoost threads (0 = all cores)', nonNegativeInt('--threads'), 2)
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'no progress output')
    .action((o: TrainOpts) => train(o));
}

function registerEvaluate(model: Command): void {
  model
    .command('evaluate')
    .description(
      'evaluate a model artifact on a PaySim CSV: AUPRC, precision, recall, F1, specificity, confusion, ' +
        'expected cost, per type and typology',
    )
    .requiredOption('--model <dir>', 'artifact directory (model-artifacts/<version>)')
    .requiredOption('--csv <file>', 'Kaggle-format PaySim CSV')
    .option(
      '--from-step <n>',
      'evaluate rows with step >= n (earlier rows only build feature history)',
      nonNegativeInt('--from-step'),
    )
    .option('--until-step <n>', 'ignore rows after step n', nonNegativeInt('--until-step'))
    .option(
      '--fraud-rate <r>',
      'true fraud rate, for files with over-sampled fraud (weights legitimate rows)',
      rate('--fraud-rate'),
    )
    .option(
      '--at <thresholds>',
      "cost (the artifact's REVIEW/BLOCK pair), f1 (its F1-optimal comparison threshold) or a number",
      'cost',
    )
    .option('--json', 'print the report as JSON')
    .option('--pr-curve <file.svg>', 'write the precision-recall curve as SVG')
    .option('--no-progress', 'no progress output')
    .action((o: EvalOpts) => evaluateCmd(o));
}

function registerScore(model: Command): void {
  model
    .command('score')
    .description(
      'batch-score a PaySim CSV: one output row per input row, in order ' +
        '(row, txId, step, type, amount, score, decision, top reasons)',
    )
    .requiredOption('--model <dir>', 'artifact directory (model-artifacts/<version>)')
    .requiredOption('--csv <file>', 'Kaggle-format PaySim CSV')
    .requiredOption('--out <file>', 'output CSV')
    .option('--top-k <n>', 'reasons per row', nonNegativeInt('--top-k'), 3)
    .option('--reasons <which>', 'explain all rows or only flagged ones (REVIEW/BLOCK)', 'all')
    .option('--no-progress', 'no progress output')
    .action((o: { model: string; csv: string; out: string; topK: number; reasons: string; progress: boolean }) =>
      scoreCmd(o),
    );
}
