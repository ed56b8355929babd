import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage, type Logger } from '@fraud/common';
import {
  chooseThresholds,
  createServingModel,
  sha256Hex,
  trainXGBoost,
  verifyParity,
  writeArtifact,
  xgboostJsonToOnnx,
  type Costs,
  type Matrix,
  type TrainInput,
  type TrainResult,
} from '@fraud/model';
import { decidePromotion, type HoldoutMetrics } from '../domain/decide.ts';
import { take, timeWindows, type Split } from '../domain/windows.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
import type { LabelledRows, Store } from '../store/index.ts';
import type { RunRecord } from '../store/registry-store.ts';
import { compactReport, evaluateHoldout } from './holdout.ts';
import type { ModelSource } from './model-source.ts';
import type { ModelPublisher } from './publisher.ts';

export type ThresholdChooser = (q: {
  scores: Float32Array;
  labels: Float32Array;
  amounts: Float64Array;
  costs: Costs;
  maxReviewRate: number;
  maxBlockRate: number;
}) => { review: number; block: number };

/** The toolkit's expected-cost threshold choice on validation scores, under the review-rate cap. */
export const toolkitThresholds: ThresholdChooser = (q) =>
  chooseThresholds({
    scores: q.scores,
    labels: q.labels,
    amountsMinor: q.amounts,
    costs: q.costs,
    maxReviewRate: q.maxReviewRate,
    maxBlockRate: q.maxBlockRate,
  }).thresholds;

export interface RunProgress {
  runId: string;
  stage: 'loading' | 'training' | 'evaluating' | 'publishing' | 'done';
  round?: number;
  rounds?: number;
  validMetric?: number;
}

export interface RetrainDeps {
  store: Store;
  artifactsDir: string;
  publisher: ModelPublisher;
  /** The champion in force (from model-updates), or null. */
  champion: () => ModelSource | null;
  featureSet: string;
  featureNames: readonly string[];
  costs: Costs;
  /** Default: the toolkit's expected-cost choice. */
  chooseThresholds?: ThresholdChooser;
  logger: Logger;
  /** The trainer; the real XGBoost by default (tests inject a deliberately bad one). */
  train?: (input: TrainInput) => Promise<TrainResult>;
  now?: () => number;
  onProgress?: (p: RunProgress) => void;
}

const HOUR = 3_600_000;

/**
 * One retraining run: time-ordered windows from the store, a challenger trained with XGBoost,
 * champion and challenger scored on the SAME most recent holdout (the champion through its
 * ONNX graph on the logged features), the promotion rule, the artifact, and the run record.
 * Every run is recorded, whatever its outcome; a failure is recorded as such and rethrown.
 */
export async function runRetrain(
  deps: RetrainDeps,
  policy: RetrainPolicy,
  opts: { trigger: string; actor?: string },
): Promise<RunRecord> {
  const now = deps.now ?? Date.now;
  const runId = randomUUID();
  const startedAt = now();
  const version = `rt-${new Date(startedAt).toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${runId.slice(0, 6)}`;
  const progress = (p: Omit<RunProgress, 'runId'>) => deps.onProgress?.({ runId, ...p });
  const { joinSeq: seqBefore } = { joinSeq: (await deps.store.training.newLabelsSince(0)).maxSeq };
  const champion = deps.champion();
  const run: RunRecord = {
    runId,
    version,
    startedAt,
    finishedAt: null,
    trigger: opts.trigger,
    status: 'running',
    promoted: false,
    role: null,
    reason: '',
    championVersion: champion?.version ?? null,
    joinSeq: seqBefore,
    trainRows: null,
    trainPositives: null,
    holdoutRows: null,
    holdoutPositives: null,
    windowFrom: null,
    windowTo: null,
    challengerMetrics: null,
    championMetrics: null,
    policy: policy as unknown as Record<string, unknown>,
    details: { actor: opts.actor ?? 'retrainer' },
  };
  await deps.store.registry.saveRun(run);
  const finish = async (status: RunRecord['status'], reason: string): Promise<RunRecord> => {
    Object.assign(run, { status, reason, finishedAt: now() });
    await deps.store.registry.saveRun(run);
    progress({ stage: 'done' });
    deps.logger.info({ runId, version, status, reason }, 'retraining run finished');
    return run;
  };
  try {
    progress({ stage: 'loading' });
    const stats = await deps.store.training.stats();
    const to = (stats.maxEventTime ?? startedAt) - policy.maturityHours * HOUR;
    const rows = await deps.store.training.loadLabelled({
      featureSet: deps.featureSet,
      from: to - policy.trainingWindowHours * HOUR,
      to,
    });
    const positives = rows.labels.reduce((a, b) => a + b, 0);
    Object.assign(run, {
      windowFrom: rows.eventTime[0] ?? null,
      windowTo: rows.eventTime[rows.eventTime.length - 1] ?? null,
    });
    run.details = { ...run.details, eventTimeAtStart: stats.maxEventTime };
    if (rows.txIds.length < policy.minTrainingRows || positives < policy.minTrainingPositives) {
      return await finish(
        'skipped',
        `window holds ${rows.txIds.length} labelled rows with ${positives} frauds; need minTrainingRows=${policy.minTrainingRows} and minTrainingPositives=${policy.minTrainingPositives}`,
      );
    }
    if (rows.cols !== deps.featureNames.length) {
      return await finish(
        'failed',
        `logged feature vectors have ${rows.cols} values but ${deps.featureSet} has ${deps.featureNames.length} features`,
      );
    }
    let split: Split;
    try {
      split = timeWindows(rows.eventTime, {
        validationFraction: policy.validationFraction,
        testFraction: policy.testFraction,
        gapMs: policy.labelDelayGapHours * HOUR,
      });
    } catch (err: unknown) {
      return await finish('skipped', `cannot split the window by time: ${errorMessage(err)}`);
    }
    const train = take(rows, split.train);
    const valid = take(rows, split.valid);
    const test = take(rows, split.test);
    const count = (l: Float32Array) => l.reduce((a, b) => a + b, 0);
    const trainPositives = count(train.labels);
    const validPositives = count(valid.labels);
    Object.assign(run, {
      trainRows: train.matrix.rows,
      trainPositives,
      holdoutRows: test.matrix.rows,
      holdoutPositives: count(test.labels),
    });
    run.details = {
      ...run.details,
      split: { train: split.plan.train, valid: split.plan.valid, test: split.plan.test, gapMs: split.plan.gapMs },
      validRows: valid.matrix.rows,
      validPositives,
    };
    if (trainPositives === 0 || validPositives === 0) {
      return await finish(
        'skipped',
        `time split left ${trainPositives} frauds in train and ${validPositives} in validation; both need at least one (lower labelDelayGapHours or wait for labels)`,
      );
    }

    progress({ stage: 'training', round: 0, rounds: policy.xgboost.rounds });
    const trainer = deps.train ?? trainXGBoost;
    const trainWeights = missedFraudWeights(rows, split.train, policy.missedFraudWeight);
    if (trainWeights)
      run.details = {
        ...run.details,
        missedFraudsWeighted: trainWeights.missed,
        missedFraudWeight: policy.missedFraudWeight,
      };
    const { earlyStoppingMinPositives, ...xgboostParams } = policy.xgboost;
    const earlyStopping = validPositives >= earlyStoppingMinPositives;
    if (!earlyStopping && xgboostParams.earlyStoppingRounds > 0)
      run.details = {
        ...run.details,
        earlyStopping: `off: ${validPositives} validation frauds < earlyStoppingMinPositives ${earlyStoppingMinPositives}`,
      };
    const trained = await trainer({
      train: train.matrix,
      trainLabels: train.labels,
      valid: { matrix: valid.matrix, labels: valid.labels },
      ...(trainWeights ? { trainWeights: trainWeights.weights } : {}),
      params: { ...xgboostParams, earlyStoppingRounds: earlyStopping ? xgboostParams.earlyStoppingRounds : 0 },
      featureNames: deps.featureNames,
      onProgress: (round, total, validMetric) =>
        progress({ stage: 'training', round, rounds: total, ...(validMetric === undefined ? {} : { validMetric }) }),
    });

    progress({ stage: 'evaluating' });
    const onnx = xgboostJsonToOnnx(trained.modelJson, {
      featureNames: deps.featureNames,
      metadata: { version, featureSet: deps.featureSet },
    });
    const parityMaxAbsDiff = await verifyParity(trained.modelJson, onnx, valid.matrix);
    const challengerModel = await createServingModel({
      version,
      featureSet: deps.featureSet,
      featureNames: deps.featureNames,
      onnx,
      modelJson: trained.modelJson,
    });
    let challengerValid: Float32Array;
    let challengerTest: Float32Array;
    try {
      // Copies: onnxruntime may hand back views of memory it reuses once the session is gone.
      challengerValid = Float32Array.from(await challengerModel.predict(valid.matrix));
      challengerTest = Float32Array.from(await challengerModel.predict(test.matrix));
    } finally {
      await challengerModel.dispose();
    }
    const thresholds = (deps.chooseThresholds ?? toolkitThresholds)({
      scores: challengerValid,
      labels: valid.labels,
      amounts: pickAmounts(rows.amount, split.valid),
      costs: deps.costs,
      maxReviewRate: policy.maxReviewRate,
      maxBlockRate: policy.maxBlockRate,
    });
    const holdout = {
      labels: test.labels,
      amounts: pickAmounts(rows.amount, split.test),
      types: split.test.map((i) => rows.txType[i] ?? 'TRANSFER'),
      typologies: split.test.map((i) => rows.typology[i] ?? null),
      costs: deps.costs,
    };
    const ch = evaluateHoldout({ ...holdout, scores: challengerTest, thresholds });
    run.challengerMetrics = {
      ...ch.metrics,
      report: compactReport(ch.report),
      thresholds,
      bestIteration: trained.bestIteration,
      trainSeconds: trained.seconds,
    };
    let championMetrics: HoldoutMetrics | null = null;
    if (champion && champion.featureSet === deps.featureSet) {
      const scores = await scoreWith(champion, test.matrix);
      const cm = evaluateHoldout({ ...holdout, scores, thresholds: champion.thresholds });
      championMetrics = cm.metrics;
      run.championMetrics = { ...cm.metrics, report: compactReport(cm.report), thresholds: champion.thresholds };
    } else if (champion) {
      run.details = {
        ...run.details,
        championSkipped: `champion ${champion.version} uses feature set ${champion.featureSet}, not ${deps.featureSet}`,
      };
    }

    const decision = decidePromotion(policy.promotion, ch.metrics, championMetrics);
    const sha256 = sha256Hex(onnx);
    const metadata = {
      version,
      featureSet: deps.featureSet,
      featureNames: [...deps.featureNames],
      thresholds,
      costs: deps.costs,
      trainingWindow: {
        train: split.plan.train,
        valid: split.plan.valid,
        test: split.plan.test,
        gapMs: split.plan.gapMs,
      },
      params: policy.xgboost,
      bestIteration: trained.bestIteration,
      scalePosWeight: trained.scalePosWeight,
      parityMaxAbsDiff,
      runId,
      metrics: { holdout: ch.metrics, champion: championMetrics, championVersion: champion?.version ?? null },
      decision,
      trainedBy: 'retrainer',
    };
    const written = await writeArtifact(join(deps.artifactsDir, version), {
      onnx,
      modelJson: trained.modelJson,
      metadata,
    });
    if (!decision.promote) return await finish('rejected', decision.reason);

    progress({ stage: 'publishing' });
    const role = policy.shadowFirst ? 'SHADOW' : 'CHAMPION';
    const source: ModelSource = {
      version,
      featureSet: deps.featureSet,
      featureNames: [...deps.featureNames],
      onnx,
      modelJson: trained.modelJson,
      sha256,
      thresholds,
      metadata: written as unknown as Record<string, unknown>,
    };
    await deps.publisher.publish(source, role, {
      action: role === 'SHADOW' ? 'shadow' : 'promote',
      actor: opts.actor ?? 'retrainer',
      reason: decision.reason,
    });
    Object.assign(run, { promoted: role === 'CHAMPION', role });
    return await finish(role === 'SHADOW' ? 'shadow' : 'promoted', decision.reason);
  } catch (err: unknown) {
    await finish('failed', errorMessage(err));
    throw err;
  }
}

/**
 * Per training row: `weight` for a fraud whose logged score was below the review threshold it was
 * decided with (a miss of the serving model), 1 otherwise. None when the weight is 1 or nothing
 * was missed.
 */
export function missedFraudWeights(
  rows: LabelledRows,
  idx: readonly number[],
  weight: number,
): { weights: Float32Array; missed: number } | undefined {
  if (weight === 1) return undefined;
  const weights = new Float32Array(idx.length).fill(1);
  let missed = 0;
  idx.forEach((r, i) => {
    if ((rows.labels[r] ?? 0) > 0.5 && (rows.score[r] ?? 0) < (rows.reviewThreshold[r] ?? 0)) {
      weights[i] = weight;
      missed++;
    }
  });
  return missed === 0 ? undefined : { weights, missed };
}

async function scoreWith(source: ModelSource, matrix: Matrix): Promise<Float32Array> {
  const model = await createServingModel({
    version: source.version,
    featureSet: source.featureSet,
    featureNames: source.featureNames,
    onnx: source.onnx,
    modelJson: source.modelJson,
  });
  try {
    return Float32Array.from(await model.predict(matrix));
  } finally {
    await model.dispose();
  }
}

function pickAmounts(all: Float64Array, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length);
  idx.forEach((r, i) => (out[i] = all[r] ?? 0));
  return out;
}
