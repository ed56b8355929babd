import { beforeAll, describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import type { TrainResult } from '../../src/api.ts';
import { resolveLibraryPath, xgboostVersion } from '../../src/xgboost/library.ts';
import { parseXGBoostModel } from '../../src/xgboost/model-json.ts';
import { loadNativeModel, predictContribsNative, predictNative } from '../../src/xgboost/predict.ts';
import { computeScalePosWeight, parseEvalMetric, trainXGBoost } from '../../src/xgboost/train.ts';
import { loadBooster } from '../../src/xgboost/booster.ts';
import { maxAbsDiff, names, slice, SMALL_PARAMS, synthetic } from './fixtures.ts';

const all = synthetic({ rows: 5000, cols: 12, seed: 11 });
const train = slice(all, 0, 3500);
const valid = slice(all, 3500, 5000);

/** Rank AUC of scores against labels (ties counted half). */
function auc(scores: Float32Array, labels: Float32Array): number {
  const idx = Array.from(scores.keys()).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  let pos = 0;
  let rankSum = 0;
  idx.forEach((i, rank) => {
    if ((labels[i] ?? 0) > 0.5) {
      pos++;
      rankSum += rank + 1;
    }
  });
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

describe('XGBoost library', () => {
  it('uses XGBOOST_LIB when set and names it when it is wrong', () => {
    expect(resolveLibraryPath({ XGBOOST_LIB: '/usr/lib/x86_64-linux-gnu/libxgboost.so.0' })).toBe(
      '/usr/lib/x86_64-linux-gnu/libxgboost.so.0',
    );
    let error: unknown;
    try {
      resolveLibraryPath({ XGBOOST_LIB: '/nowhere/libxgboost.so' });
    } catch (err: unknown) {
      error = err;
    }
    expect(isFraudError(error, 'XGBOOST_FAILED')).toBe(true);
    expect(String((error as Error).message)).toContain('XGBOOST_LIB');
  });

  it('reports the loaded library version and sets OMP_WAIT_POLICY before loading', () => {
    expect(xgboostVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(process.env.OMP_WAIT_POLICY).toBeDefined();
  });
});

describe('trainXGBoost', () => {
  let result: TrainResult;
  const progress: { round: number; total: number; metric: number | undefined }[] = [];

  beforeAll(async () => {
    result = await trainXGBoost({
      train: train.matrix,
      trainLabels: train.labels,
      valid: { matrix: valid.matrix, labels: valid.labels },
      params: { ...SMALL_PARAMS, rounds: 400, earlyStoppingRounds: 15, eta: 0.5 },
      featureNames: names(12),
      onProgress: (round, total, metric) => progress.push({ round, total, metric }),
    });
  });

  it('stops early on the validation window and keeps only the best rounds', () => {
    expect(result.rounds).toBeLessThan(400);
    expect(result.rounds).toBe(result.bestIteration + 1 + 15);
    const model = parseXGBoostModel(result.modelJson);
    expect(model.trees.length).toBe(result.bestIteration + 1);
    expect(model.attributes.best_iteration).toBe(String(result.bestIteration));
  });

  it('reports progress every round with the validation aucpr', () => {
    expect(progress.map((p) => p.round)).toEqual(Array.from({ length: result.rounds }, (_, i) => i + 1));
    expect(progress.every((p) => p.total === 400 && p.metric !== undefined && p.metric > 0 && p.metric <= 1)).toBe(
      true,
    );
    const best = progress[result.bestIteration]?.metric ?? 0;
    expect(Math.max(...progress.map((p) => p.metric ?? 0))).toBe(best);
  });

  it('computes scale_pos_weight as negatives / positives and keeps base_score', () => {
    let pos = 0;
    for (const y of train.labels) pos += y;
    expect(result.scalePosWeight).toBeCloseTo((train.labels.length - pos) / pos, 10);
    expect(parseXGBoostModel(result.modelJson).baseScore).toBeCloseTo(0.3, 6);
  });

  it('learns the signal: validation AUC well above chance', () => {
    expect(auc(predictNative(result.modelJson, valid.matrix), valid.labels)).toBeGreaterThan(0.8);
  });

  it('predicts the same through in-place and DMatrix paths, and contributions sum to the margin', () => {
    const probs = predictNative(result.modelJson, valid.matrix);
    const contribs = predictContribsNative(result.modelJson, valid.matrix);
    const cols = valid.matrix.cols;
    const fromContribs = new Float32Array(valid.matrix.rows);
    for (let r = 0; r < valid.matrix.rows; r++) {
      let margin = 0;
      for (let j = 0; j <= cols; j++) margin += contribs[r * (cols + 1) + j] ?? 0;
      fromContribs[r] = 1 / (1 + Math.exp(-margin));
    }
    expect(maxAbsDiff(probs, fromContribs)).toBeLessThan(1e-5);
  });

  it('round-trips the JSON model through load and save without changing predictions', () => {
    const booster = loadBooster(result.modelJson);
    let resaved: string;
    try {
      resaved = booster.saveJson();
    } finally {
      booster.free();
    }
    expect(maxAbsDiff(predictNative(resaved, all.matrix), predictNative(result.modelJson, all.matrix))).toBe(0);
  });

  it('early stopping off: keeps every round, reports the validation metric every 25 rounds and the last', async () => {
    const metrics: (number | undefined)[] = [];
    const full = await trainXGBoost({
      train: train.matrix,
      trainLabels: train.labels,
      valid: { matrix: valid.matrix, labels: valid.labels },
      featureNames: names(12),
      params: { ...SMALL_PARAMS, rounds: 30, earlyStoppingRounds: 0, eta: 0.8 },
      onProgress: (_round, _total, metric) => metrics.push(metric),
    });
    expect(full.rounds).toBe(30);
    expect(full.bestIteration).toBe(29);
    expect(parseXGBoostModel(full.modelJson).trees).toHaveLength(30);
    expect(metrics).toHaveLength(30);
    const reported = metrics.flatMap((m, i) => (m === undefined ? [] : [i + 1]));
    expect(reported).toEqual([25, 30]);
    expect(metrics.filter((m) => m !== undefined).every((m) => m! > 0)).toBe(true);
  });

  it('is reproducible with row and column subsampling, run after run on the same thread', async () => {
    const run = async (): Promise<string> =>
      (
        await trainXGBoost({
          train: train.matrix,
          trainLabels: train.labels,
          featureNames: names(12),
          params: { ...SMALL_PARAMS, rounds: 25, subsample: 0.7, colsampleBytree: 0.7, earlyStoppingRounds: 0 },
        })
      ).modelJson;
    const first = await run();
    expect(await run()).toBe(first);
  });

  it('trains on while the validation metric ties its best (AUPRC saturated, few frauds); stops on a fall', async () => {
    // One feature separates the classes perfectly and validation holds 5 frauds: AUPRC is 1 from
    // the first tree on. Strict improvement would keep that first tree only.
    const rows = 3000;
    const cols = 4;
    const data = new Float32Array(rows * cols);
    const labels = new Float32Array(rows);
    let s = 7;
    const rand = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let r = 0; r < rows; r++) {
      const fraud = r < 2500 ? r % 50 === 0 : r % 100 === 0;
      labels[r] = fraud ? 1 : 0;
      data[r * cols] = fraud ? 10 + rand() : rand();
      for (let c = 1; c < cols; c++) data[r * cols + c] = rand();
    }
    const part = (from: number, to: number) => ({ data: data.slice(from * cols, to * cols), rows: to - from, cols });
    const validLabels = labels.slice(2500);
    expect(validLabels.reduce((a, b) => a + b, 0)).toBe(5);
    const metrics: number[] = [];
    const result = await trainXGBoost({
      train: part(0, 2500),
      trainLabels: labels.slice(0, 2500),
      valid: { matrix: part(2500, rows), labels: validLabels },
      featureNames: names(cols),
      params: { ...SMALL_PARAMS, rounds: 40, earlyStoppingRounds: 5 },
      onProgress: (_r, _t, m) => metrics.push(m ?? Number.NaN),
    });
    expect(metrics[0]).toBe(1);
    expect(metrics.every((m) => m === 1)).toBe(true);
    expect(result.rounds).toBe(40);
    expect(result.bestIteration).toBe(39);
  });

  it('gives the event loop a turn between rounds, so timers and heartbeats run during training', async () => {
    let turns = 0;
    let training = true;
    const tick = (): void => {
      turns++;
      if (training) setImmediate(tick);
    };
    setImmediate(tick);
    const rounds = 20;
    await trainXGBoost({
      train: train.matrix,
      trainLabels: train.labels,
      featureNames: names(12),
      params: { ...SMALL_PARAMS, rounds, earlyStoppingRounds: 0 },
    });
    training = false;
    expect(turns).toBeGreaterThanOrEqual(rounds - 1);
  });

  it('frees the native model and refuses use after free', () => {
    const model = loadNativeModel(result.modelJson);
    model.free();
    model.free();
    expect(() => model.predict(valid.matrix)).toThrowError(/after free/);
  });
});

describe('training input errors', () => {
  const base = {
    train: train.matrix,
    trainLabels: train.labels,
    featureNames: names(12),
    params: { ...SMALL_PARAMS, rounds: 2 },
  };

  it('needs both classes to compute scale_pos_weight', () => {
    expect(() => computeScalePosWeight(new Float32Array([0, 0, 0]))).toThrowError(/both classes/);
    expect(computeScalePosWeight(new Float32Array([0, 1, 0, 0]))).toBe(3);
  });

  it('rejects labels that do not match the rows', async () => {
    await expect(
      trainXGBoost({ ...base, trainLabels: train.labels.slice(1), params: { ...base.params, scalePosWeight: 1 } }),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it("surfaces XGBoost's own error for a bad parameter", async () => {
    await expect(trainXGBoost({ ...base, params: { ...base.params, maxDepth: -3 } })).rejects.toMatchObject({
      code: 'XGBOOST_FAILED',
      message: expect.stringMatching(/max_depth/),
    });
  });

  it('rejects a matrix whose data does not match rows x cols', async () => {
    await expect(
      trainXGBoost({ ...base, train: { ...train.matrix, rows: train.matrix.rows + 1 } }),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it("rejects bytes that are not an XGBoost model with MODEL_INVALID and XGBoost's reason", () => {
    let error: unknown;
    try {
      predictNative('{"learner": 1}', valid.matrix);
    } catch (err: unknown) {
      error = err;
    }
    expect(isFraudError(error, 'MODEL_INVALID')).toBe(true);
    expect((error as Error).message.length).toBeGreaterThan('not a loadable XGBoost model: '.length);
  });

  it('parses XGBoost eval lines', () => {
    expect(parseEvalMetric('[12]\tvalid-aucpr:0.8312', 'valid')).toBeCloseTo(0.8312, 10);
    expect(parseEvalMetric('[0]\ttrain-aucpr:0.5', 'valid')).toBeNaN();
  });
});
