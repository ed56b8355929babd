import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { FraudError } from '@fraud/common';
import {
  DEFAULT_COSTS,
  DEFAULT_SPLIT,
  evaluate,
  explicitSplit,
  formatReport,
  loadModelArtifact,
  negativeWeightForRate,
  planSplit,
  prCurveSvg,
  trainPipeline,
  weightsFor,
  type Costs,
  type EvalReport,
  type PipelineResult,
  type SplitPlan,
  type Thresholds,
  type TrainParams,
} from '@fraud/model';
import { nonNegativeInt } from '../args.ts';
import { envCommand } from '../config/catalogue.ts';
import { createProgress, readInput, windowStart, type InputFlags, type ModelInput } from '../model/input.ts';
import { inputOptions, labelDelayOf, pickSpec, trainedLabelDelay } from '../model/options.ts';
import { registerScore, scoreRows } from '../model/score.ts';

/**
 * `fraud model train|evaluate|score`: the model toolkit offline, on CSV files in any layout a
 * column mapping describes (Kaggle PaySim by default). Everything here is wiring; the logic lives
 * in @fraud/model (csv, pipeline, eval, policy).
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

function costsFrom(o: { reviewCost?: number; blockCost?: number }): Costs {
  return {
    ...DEFAULT_COSTS,
    ...(o.reviewCost === undefined ? {} : { reviewCost: o.reviewCost }),
    ...(o.blockCost === undefined ? {} : { blockFrictionCost: o.blockCost }),
  };
}

interface TrainOpts extends InputFlags {
  spec?: string;
  out: string;
  rounds: number;
  gapHours?: number;
  validFromStep?: number;
  testFromStep?: number;
  validFrom?: string;
  testFrom?: string;
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
  const input = await readInput(o, progress);
  const { rows } = input;
  const labelDelayMs = labelDelayOf(o);
  const picked = pickSpec(o.spec, input.compiled);
  const plan = splitPlanOf(o, input, labelDelayMs);
  const negativeWeight =
    o.fraudRate === undefined
      ? 1
      : negativeWeightForRate(
          rows.map((r) => (r.isFraud ? 1 : 0)),
          o.fraudRate,
        );
  const res = await trainPipeline({
    rows,
    spec: picked.spec,
    labelDelayMs,
    params: trainParamsOf(o),
    costs: costsFrom(o),
    plan,
    negativeWeight,
    maxReviewRate: o.maxReviewRate,
    maxBlockRate: o.maxBlockRate,
    outDir: o.out,
    provenance: {
      csv: o.csv,
      mapping: input.mapping.name,
      labelDelayMs,
      untilStep: o.untilStep ?? null,
      until: o.until ?? null,
      fraudRate: o.fraudRate ?? null,
      command: process.argv.slice(2).join(' '),
    },
    onProgress: (stage, done, total, note) => progress.update(stage, done, total, note),
  });
  progress.stop();
  const specLine = `feature spec ${picked.spec.name} v${picked.spec.version} (${picked.why})`;
  if (o.json === true) {
    const summary = {
      version: res.version,
      dir: res.dir,
      mapping: input.mapping.name,
      featureSpec: { name: picked.spec.name, version: picked.spec.version, why: picked.why },
      labelDelayMs,
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
  process.stdout.write(`${specLine}\n${formatTrainResult(res)}\n`);
}

/**
 * Explicit boundaries when given (--valid-from-step/--test-from-step on step-timed mappings,
 * --valid-from/--test-from as dates), else the planned split by fractions of rows. The gap
 * between parts is the label delay: a row's label is only known that long after it.
 */
function splitPlanOf(o: TrainOpts, input: ModelInput, gapMs: number): SplitPlan {
  const times = input.rows.map((r) => r.tx.eventTime);
  const at = (step: number | undefined, iso: string | undefined, option: string): number | undefined => {
    if (step !== undefined && iso !== undefined)
      throw new FraudError('BAD_REQUEST', `give ${option}-step or ${option}, not both`);
    if (step !== undefined) return input.stepTime(step, `${option}-step`);
    if (iso === undefined) return undefined;
    const t = Date.parse(iso);
    if (Number.isNaN(t)) throw new FraudError('BAD_REQUEST', `${option} ${iso} is not an ISO date`);
    return t;
  };
  const validFrom = at(o.validFromStep, o.validFrom, '--valid-from');
  const testFrom = at(o.testFromStep, o.testFrom, '--test-from');
  if (validFrom !== undefined || testFrom !== undefined) {
    if (validFrom === undefined)
      throw new FraudError('BAD_REQUEST', '--test-from(-step) needs --valid-from(-step) too');
    return explicitSplit({
      trainFrom: times.reduce((a, b) => Math.min(a, b), Infinity),
      validFrom,
      testFrom: testFrom ?? null,
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
      `label-delay gap ${+(w.gapMs / 3_600_000).toFixed(3)} h`,
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

interface EvalOpts extends InputFlags {
  model: string;
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
    const input = await readInput(o, progress);
    const { rows } = input;
    const from = windowStart(o, input);
    const labelDelayMs = labelDelayOf(o, trainedLabelDelay(art.metadata));
    const scored = await scoreRows(art, rows, labelDelayMs, progress);
    progress.stop();
    const idx = rows.map((r, i) => (from === undefined || r.tx.eventTime >= from ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0)
      throw new FraudError('BAD_REQUEST', `no rows at or after ${new Date(from ?? 0).toISOString()}; start earlier`);
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
    if (o.prCurve !== undefined) await writePrCurve(o.prCurve, art.metadata.version, o.csv, report);
    const window =
      o.fromStep !== undefined ? ` from step ${o.fromStep}` : o.from !== undefined ? ` from ${o.from}` : '';
    if (o.json === true) {
      const json = {
        model: art.metadata.version,
        csv: o.csv,
        mapping: input.mapping.name,
        fromStep: o.fromStep ?? null,
        from: from === undefined ? null : new Date(from).toISOString(),
        labelDelayMs,
        ...report,
      };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      const title = `model ${art.metadata.version} on ${o.csv}${window}`;
      const curve = o.prCurve === undefined ? '' : `PR curve written to ${o.prCurve}\n`;
      process.stdout.write(`${formatReport(report, title)}\n${curve}`);
    }
  } finally {
    await art.model.dispose();
  }
}

async function writePrCurve(path: string, version: string, csv: string, report: EvalReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const name = `${version} on ${csv.split('/').pop() ?? csv}`;
  await writeFile(
    path,
    prCurveSvg([{ name, points: report.prCurve, auprc: report.auprc }], `PR curve, model ${version}`),
  );
}

export function register(program: Command): void {
  const model = envCommand(
    program,
    'model',
    'train, evaluate and batch-score fraud models on CSV files (PaySim, BankSim, handbook or any mapped layout)',
    'model',
  );

  registerTrain(model);
  registerEvaluate(model);
  registerScore(model);
}

function registerTrain(model: Command): void {
  const command = model
    .command('train')
    .description(
      'train XGBoost on a CSV with a time split (train, label-delay gap, validation, gap, test), ' +
        'pick cost-optimal thresholds, write model-artifacts/<version>/',
    );
  inputOptions(
    command,
    'when each label is known after its row (e.g. 7d, 12h): the gap between train, validation and test, ' +
      `and label features see only labels arrived by then (default ${DEFAULT_SPLIT.gapMs / 3_600_000}h)`,
  )
    .option(
      '--spec <name|file>',
      'feature spec, shipped or a JSON file (default: the shipped spec that fits the fields of the mapping)',
    )
    .option('--until-step <n>', 'use only rows with step <= n (step-timed mappings)', nonNegativeInt('--until-step'))
    .option('--until <iso>', 'use only rows before this date')
    .option('--out <dir>', 'artifact root directory', 'model-artifacts')
    .option('--rounds <n>', 'boosting rounds (early stopping on validation)', nonNegativeInt('--rounds'), 300)
    .option('--gap-hours <h>', 'the label delay in hours (same as --label-delay <h>h)', positive('--gap-hours'))
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
    .option('--valid-from <iso>', 'validation starts at this date (instead of --valid-from-step)')
    .option('--test-from <iso>', 'test starts at this date (instead of --test-from-step)')
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
  const command = model
    .command('evaluate')
    .description(
      'evaluate a model artifact on a CSV: AUPRC, precision, recall, F1, specificity, confusion, ' +
        'expected cost, per type and typology',
    )
    .requiredOption('--model <dir>', 'artifact directory (model-artifacts/<version>)');
  inputOptions(
    command,
    'when each label is known after its row, for label features (default: what the model was trained with)',
  )
    .option(
      '--from-step <n>',
      'evaluate rows with step >= n (earlier rows only build feature history)',
      nonNegativeInt('--from-step'),
    )
    .option('--from <iso>', 'evaluate rows from this date on (earlier rows only build feature history)')
    .option('--until-step <n>', 'ignore rows after step n', nonNegativeInt('--until-step'))
    .option('--until <iso>', 'ignore rows from this date on')
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
