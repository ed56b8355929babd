/**
 * Trains binary:logistic / hist with XGBoost's C API. Early stopping watches aucpr on the
 * (time-ordered) validation window; the returned JSON model is sliced to the best round, so
 * the native booster, the ONNX export and TreeSHAP all use exactly the same trees.
 */
import { FraudError } from '@fraud/common';
import type { TrainInput, TrainParams, TrainResult } from '../api.ts';
import { createBooster, type Booster } from './booster.ts';
import { createDMatrix, type DMatrix } from './dmatrix.ts';

/** negatives / positives; training without both classes is a data error, not a model. */
export function computeScalePosWeight(labels: Float32Array): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] ?? 0) > 0.5) positives++;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new FraudError(
      'MODEL_INVALID',
      `training labels need both classes (positives=${positives}, negatives=${negatives}); widen the training window`,
    );
  }
  return negatives / positives;
}

export function boosterParams(params: TrainParams, scalePosWeight: number): Record<string, string | number> {
  const out: Record<string, string | number> = {
    objective: 'binary:logistic',
    tree_method: 'hist',
    eval_metric: 'aucpr',
    max_depth: params.maxDepth,
    eta: params.eta,
    subsample: params.subsample,
    colsample_bytree: params.colsampleBytree,
    min_child_weight: params.minChildWeight,
    lambda: params.lambda,
    scale_pos_weight: scalePosWeight,
    seed: params.seed ?? 0,
    // XGBoost's random engine is thread-local and outlives a training on its thread: reseeding
    // every round (from seed and round number) keeps subsample/colsample reproducible.
    seed_per_iteration: 'true',
    verbosity: 0,
  };
  if (params.baseScore !== undefined) out.base_score = params.baseScore;
  if (params.nthread !== undefined) out.nthread = params.nthread;
  if (params.maxBin !== undefined) out.max_bin = params.maxBin;
  return out;
}

/** Parses "[12]\tvalid-aucpr:0.8312" into 0.8312. */
export function parseEvalMetric(evalLine: string, name: string): number {
  const match = new RegExp(`${name}-[\\w@.]+:(-?[\\d.eE+-]+|nan|-?inf)`).exec(evalLine);
  const value = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  return value;
}

export async function trainXGBoost(input: TrainInput): Promise<TrainResult> {
  const started = performance.now();
  const { params } = input;
  if (!Number.isInteger(params.rounds) || params.rounds < 1) {
    throw new FraudError('MODEL_INVALID', `rounds must be a positive integer, got ${params.rounds}`);
  }
  if (input.featureNames.length !== input.train.cols) {
    throw new FraudError('MODEL_INVALID', `${input.featureNames.length} feature names for ${input.train.cols} columns`);
  }
  const scalePosWeight = params.scalePosWeight ?? computeScalePosWeight(input.trainLabels);
  const owned: { free(): void }[] = [];
  try {
    const nthread = params.nthread ?? 0;
    const dtrain = createDMatrix(input.train, { labels: input.trainLabels, weights: input.trainWeights, nthread });
    owned.push(dtrain);
    let dvalid: DMatrix | undefined;
    if (input.valid !== undefined) {
      dvalid = createDMatrix(input.valid.matrix, { labels: input.valid.labels, nthread });
      owned.push(dvalid);
    }
    const booster = createBooster(dvalid === undefined ? [dtrain] : [dtrain, dvalid]);
    owned.push(booster);
    booster.setParams(boosterParams(params, scalePosWeight));
    const { bestIteration, rounds } = await boost(booster, dtrain, dvalid, input);
    let final: Booster = booster;
    if (bestIteration + 1 < booster.boostedRounds()) {
      final = booster.slice(0, bestIteration + 1);
      owned.push(final);
    }
    final.setAttr('best_iteration', String(bestIteration));
    final.setAttr('scale_pos_weight', String(scalePosWeight));
    return {
      modelJson: final.saveJson(),
      bestIteration,
      rounds,
      scalePosWeight,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const o of owned.reverse()) o.free();
  }
}

/** Without early stopping, the validation metric is computed (for progress) every this many rounds. */
const REPORT_EVERY = 25;

async function boost(
  booster: Booster,
  dtrain: DMatrix,
  dvalid: DMatrix | undefined,
  input: TrainInput,
): Promise<{ bestIteration: number; rounds: number }> {
  const { rounds: total, earlyStoppingRounds } = input.params;
  let best = Number.NEGATIVE_INFINITY;
  let bestIteration = 0;
  let iter = 0;
  for (; iter < total; iter++) {
    // Every round runs on this thread, with a turn of the event loop between rounds (timers,
    // a consumer's heartbeats, HTTP), never on koffi's worker threads. XGBoost 1.7 keeps the
    // prediction cache per thread (ThreadLocalPredictionCache in learner.cc): a round on another
    // libuv worker finds that thread's cache stale and predicts the missing trees over every
    // training row again, which costs more than the round (docs/model.md, "Training speed").
    // One round of 1M rows blocks the loop for about 0.12 s.
    booster.updateOneIter(iter, dtrain);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (dvalid === undefined) {
      bestIteration = iter;
      input.onProgress?.(iter + 1, total);
      continue;
    }
    if (earlyStoppingRounds <= 0) {
      // Early stopping off: the validation metric is only reported, every round is kept. It is
      // computed every REPORT_EVERY rounds and at the last one: aucpr over the validation window
      // each round cost a fifth of the training time (bench/results/model.json, docs/model.md).
      bestIteration = iter;
      const report = (iter + 1) % REPORT_EVERY === 0 || iter + 1 === total;
      input.onProgress?.(
        iter + 1,
        total,
        report ? parseEvalMetric(booster.evalOneIter(iter, [{ name: 'valid', dmatrix: dvalid }]), 'valid') : undefined,
      );
      continue;
    }
    const metric = parseEvalMetric(booster.evalOneIter(iter, [{ name: 'valid', dmatrix: dvalid }]), 'valid');
    input.onProgress?.(iter + 1, total, metric);
    // aucpr is maximised; NaN (no positives in the window) never counts as an improvement. A tie
    // does: with a handful of validation frauds AUPRC saturates (often at 1.0 from the first
    // tree), and strict improvement stopped there, keeping a one-tree model whose scores sit in
    // a narrow band around base_score (seen in the adaptation benchmark: challengers with
    // bestIteration 0 flagged every holdout transaction).
    if (metric >= best) {
      best = metric;
      bestIteration = iter;
    } else if (iter - bestIteration >= earlyStoppingRounds) {
      iter++;
      break;
    }
  }
  return { bestIteration, rounds: iter };
}
