import { join } from 'node:path';
import {
  createServingModel,
  sha256Hex,
  trainXGBoost,
  writeArtifact,
  xgboostJsonToOnnx,
  type ArtifactMetadata,
  type Matrix,
  type TrainResult,
} from '@fraud/model';
import type { HoldoutMetrics, PromotionDecision } from '../domain/decide.ts';
import type { LabelledRows } from '../store/index.ts';
import { compactReport, evaluateHoldout } from './holdout.ts';
import type { ModelSource } from './model-source.ts';
import { noteDetails, type RunContext, type RunEnd, type TrainingWindow } from './retrain-data.ts';
import { toolkitThresholds } from './thresholds.ts';

/**
 * The model steps of a retraining run (runRetrain in retrain-run.ts): train the challenger,
 * convert it to ONNX, score, choose thresholds, evaluate champion and challenger on the same
 * holdout, write the artifact, publish.
 */

export type Thresholds = { review: number; block: number };

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

/** XGBoost on the train part, early-stopped on validation when it holds enough frauds. */
export async function trainChallenger(ctx: RunContext, w: TrainingWindow): Promise<TrainResult> {
  const { deps, policy, run } = ctx;
  ctx.progress({ stage: 'training', round: 0, rounds: policy.xgboost.rounds });
  const trainer = deps.train ?? trainXGBoost;
  const trainWeights = missedFraudWeights(w.rows, w.split.train, policy.missedFraudWeight);
  if (trainWeights)
    noteDetails(run, { missedFraudsWeighted: trainWeights.missed, missedFraudWeight: policy.missedFraudWeight });
  const { earlyStoppingMinPositives, ...xgboostParams } = policy.xgboost;
  const earlyStopping = w.validPositives >= earlyStoppingMinPositives;
  if (!earlyStopping && xgboostParams.earlyStoppingRounds > 0) {
    const off = `off: ${w.validPositives} validation frauds < earlyStoppingMinPositives ${earlyStoppingMinPositives}`;
    noteDetails(run, { earlyStopping: off });
  }
  return trainer({
    train: w.train.matrix,
    trainLabels: w.train.labels,
    valid: { matrix: w.valid.matrix, labels: w.valid.labels },
    ...(trainWeights ? { trainWeights: trainWeights.weights } : {}),
    params: { ...xgboostParams, earlyStoppingRounds: earlyStopping ? xgboostParams.earlyStoppingRounds : 0 },
    featureNames: deps.featureNames,
    onProgress: (round, total, validMetric) =>
      ctx.progress({ stage: 'training', round, rounds: total, ...(validMetric === undefined ? {} : { validMetric }) }),
  });
}

export function convertToOnnx(ctx: RunContext, trained: TrainResult): Uint8Array {
  return xgboostJsonToOnnx(trained.modelJson, {
    featureNames: ctx.deps.featureNames,
    metadata: {
      version: ctx.run.version,
      featureSet: ctx.deps.featureSet,
      ...(ctx.features?.meta ? { featureSpecHash: ctx.features.meta.featureSpecHash } : {}),
    },
  });
}

/** The challenger's scores on validation and test, through the exported ONNX graph. */
export async function scoreChallenger(
  ctx: RunContext,
  model: { onnx: Uint8Array; modelJson: string },
  w: TrainingWindow,
): Promise<{ valid: Float32Array; test: Float32Array }> {
  const challenger = await createServingModel({
    version: ctx.run.version,
    featureSet: ctx.deps.featureSet,
    featureNames: ctx.deps.featureNames,
    onnx: model.onnx,
    modelJson: model.modelJson,
  });
  try {
    // Copies: onnxruntime may hand back views of memory it reuses once the session is gone.
    const valid = Float32Array.from(await challenger.predict(w.valid.matrix));
    const test = Float32Array.from(await challenger.predict(w.test.matrix));
    return { valid, test };
  } finally {
    await challenger.dispose();
  }
}

export function chooseRunThresholds(ctx: RunContext, w: TrainingWindow, validScores: Float32Array): Thresholds {
  const { deps, policy } = ctx;
  return (deps.chooseThresholds ?? toolkitThresholds)({
    scores: validScores,
    labels: w.valid.labels,
    amounts: pickAmounts(w.rows.amount, w.split.valid),
    costs: deps.costs,
    maxReviewRate: policy.maxReviewRate,
    maxBlockRate: policy.maxBlockRate,
  });
}

/**
 * Challenger and champion scored on the SAME most recent holdout (the champion through its ONNX
 * graph on the logged features; skipped when its feature set differs). Fills the run's metrics.
 */
export async function evaluateOnHoldout(
  ctx: RunContext,
  w: TrainingWindow,
  challenger: { scores: Float32Array; thresholds: Thresholds; trained: TrainResult },
): Promise<{ challenger: HoldoutMetrics; champion: HoldoutMetrics | null }> {
  const { deps, run, champion } = ctx;
  const holdout = {
    labels: w.test.labels,
    amounts: pickAmounts(w.rows.amount, w.split.test),
    types: w.split.test.map((i) => w.rows.txType[i] ?? 'TRANSFER'),
    typologies: w.split.test.map((i) => w.rows.typology[i] ?? null),
    costs: deps.costs,
  };
  const { thresholds, trained } = challenger;
  const ch = evaluateHoldout({ ...holdout, scores: challenger.scores, thresholds });
  run.challengerMetrics = {
    ...ch.metrics,
    report: compactReport(ch.report),
    thresholds,
    bestIteration: trained.bestIteration,
    trainSeconds: trained.seconds,
  };
  if (champion && champion.featureSet === deps.featureSet) {
    const scores = await scoreWith(champion, w.test.matrix);
    const cm = evaluateHoldout({ ...holdout, scores, thresholds: champion.thresholds });
    run.championMetrics = { ...cm.metrics, report: compactReport(cm.report), thresholds: champion.thresholds };
    return { challenger: ch.metrics, champion: cm.metrics };
  }
  if (champion) {
    noteDetails(run, {
      championSkipped: `champion ${champion.version} uses feature set ${champion.featureSet}, not ${deps.featureSet}`,
    });
  }
  return { challenger: ch.metrics, champion: null };
}

/** The challenger's artifact under <artifactsDir>/<version>/, whatever the decision. */
export async function writeRunArtifact(
  ctx: RunContext,
  w: TrainingWindow,
  model: {
    trained: TrainResult;
    onnx: Uint8Array;
    thresholds: Thresholds;
    parityMaxAbsDiff: number;
    metrics: { challenger: HoldoutMetrics; champion: HoldoutMetrics | null };
    decision: PromotionDecision;
  },
): Promise<ArtifactMetadata> {
  const { deps, policy, run, champion } = ctx;
  const { trained, metrics } = model;
  const { plan } = w.split;
  const metadata = {
    version: run.version,
    featureSet: deps.featureSet,
    featureNames: [...deps.featureNames],
    // The spec the model carries (the scorer computes it): present when the columns are the spec's.
    ...(ctx.features?.meta ?? {}),
    thresholds: model.thresholds,
    costs: deps.costs,
    trainingWindow: { train: plan.train, valid: plan.valid, test: plan.test, gapMs: plan.gapMs },
    params: policy.xgboost,
    bestIteration: trained.bestIteration,
    scalePosWeight: trained.scalePosWeight,
    parityMaxAbsDiff: model.parityMaxAbsDiff,
    runId: run.runId,
    metrics: { holdout: metrics.challenger, champion: metrics.champion, championVersion: champion?.version ?? null },
    decision: model.decision,
    trainedBy: 'retrainer',
  };
  return writeArtifact(join(deps.artifactsDir, run.version), {
    onnx: model.onnx,
    modelJson: trained.modelJson,
    metadata,
  });
}

/** Publishes the promoted challenger: as SHADOW first when the policy says so, else as CHAMPION. */
export async function publishChallenger(
  ctx: RunContext,
  model: { onnx: Uint8Array; modelJson: string; thresholds: Thresholds; written: ArtifactMetadata },
  decision: PromotionDecision,
): Promise<RunEnd> {
  const { deps, policy, run } = ctx;
  ctx.progress({ stage: 'publishing' });
  const role = policy.shadowFirst ? 'SHADOW' : 'CHAMPION';
  const source: ModelSource = {
    version: run.version,
    featureSet: deps.featureSet,
    featureNames: [...deps.featureNames],
    onnx: model.onnx,
    modelJson: model.modelJson,
    sha256: sha256Hex(model.onnx),
    thresholds: model.thresholds,
    metadata: model.written as unknown as Record<string, unknown>,
  };
  await deps.publisher.publish(source, role, {
    action: role === 'SHADOW' ? 'shadow' : 'promote',
    actor: ctx.actor,
    reason: decision.reason,
  });
  Object.assign(run, { promoted: role === 'CHAMPION', role });
  return { status: role === 'SHADOW' ? 'shadow' : 'promoted', reason: decision.reason };
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
