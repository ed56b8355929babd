import { beforeAll, describe, expect, it } from 'vitest';
import type { Matrix, TrainParams } from '../../src/api.ts';
import { xgboostJsonToOnnx } from '../../src/onnx/convert.ts';
import { createOnnxSession, runOnnx } from '../../src/serving/serving-model.ts';
import { parseXGBoostModel } from '../../src/xgboost/model-json.ts';
import { predictNative } from '../../src/xgboost/predict.ts';
import { trainXGBoost } from '../../src/xgboost/train.ts';
import { loadPaysimCsv, sortByEventTime } from '../../src/csv/index.ts';
import { FEATURE_NAMES, featuresForFile } from '../../src/features/index.ts';
import { maxAbsDiff, names, prng, slice, SMALL_PARAMS, synthetic, type Dataset } from '../xgboost/fixtures.ts';
import { paysimFixture } from '@fraud/common/testing';

async function onnxPredict(onnx: Uint8Array, matrix: Matrix): Promise<Float32Array> {
  const session = await createOnnxSession(onnx);
  try {
    return await runOnnx(session, matrix);
  } finally {
    await session.release();
  }
}

async function trainOn(d: Dataset, params: Partial<TrainParams>, featureNames = names(d.matrix.cols)): Promise<string> {
  const cut = Math.floor(d.matrix.rows * 0.7);
  const train = slice(d, 0, cut);
  const valid = slice(d, cut, d.matrix.rows);
  const result = await trainXGBoost({
    train: train.matrix,
    trainLabels: train.labels,
    valid: { matrix: valid.matrix, labels: valid.labels },
    params: { ...SMALL_PARAMS, ...params },
    featureNames,
  });
  return result.modelJson;
}

/** Rows whose features sit exactly on, and one float32 ulp either side of, every split threshold. */
function thresholdRows(modelJson: string, cols: number): Matrix {
  const model = parseXGBoostModel(modelJson);
  const rand = prng(5);
  const rows: number[] = [];
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (const tree of model.trees.slice(0, 20)) {
    for (let i = 0; i < tree.nodes; i++) {
      if (tree.left[i] === -1) continue;
      f32[0] = tree.threshold[i] ?? 0;
      const t = f32[0] ?? 0;
      u32[0] = (u32[0] ?? 0) + 1;
      const up = f32[0] ?? 0;
      f32[0] = t;
      u32[0] = (u32[0] ?? 0) - 1;
      const down = f32[0] ?? 0;
      for (const v of [t, up, down]) {
        const row = Array.from({ length: cols }, () => (rand() < 0.1 ? Number.NaN : rand() * 4 - 2));
        row[tree.feature[i] ?? 0] = v;
        rows.push(...row);
      }
    }
  }
  return { data: Float32Array.from(rows), rows: rows.length / cols, cols };
}

describe('XGBoost JSON -> ONNX parity with XGBoost itself', () => {
  const data = synthetic({ rows: 5000, cols: 12, seed: 3, nanRate: 0.2 });
  let modelJson: string;
  let onnx: Uint8Array;

  beforeAll(async () => {
    modelJson = await trainOn(data, { baseScore: 0.3 });
    onnx = xgboostJsonToOnnx(modelJson);
  });

  it('matches on 5,000 rows with 20% NaN in a third of the columns, base_score 0.3', async () => {
    const native = predictNative(modelJson, data.matrix);
    const viaOnnx = await onnxPredict(onnx, data.matrix);
    expect(maxAbsDiff(viaOnnx, native)).toBeLessThanOrEqual(1e-5);
    // The model is not constant: parity is about real, varied scores.
    expect(Math.max(...native) - Math.min(...native)).toBeGreaterThan(0.5);
  });

  it('matches on rows exactly at (and one ulp around) every split threshold', async () => {
    const rows = thresholdRows(modelJson, 12);
    expect(rows.rows).toBeGreaterThan(300);
    expect(maxAbsDiff(await onnxPredict(onnx, rows), predictNative(modelJson, rows))).toBeLessThanOrEqual(1e-5);
  });

  it('matches on all-missing rows (default_left everywhere) and carries base_score as a margin', async () => {
    const rows: Matrix = { data: new Float32Array(3 * 12).fill(Number.NaN), rows: 3, cols: 12 };
    const native = predictNative(modelJson, rows);
    expect(maxAbsDiff(await onnxPredict(onnx, rows), native)).toBeLessThanOrEqual(1e-5);
  });

  it.each([0.05, 0.5, 0.9])('matches with base_score %s and deeper trees', async (baseScore) => {
    const d = synthetic({ rows: 3000, cols: 9, seed: Math.round(baseScore * 100), nanRate: 0.3 });
    const json = await trainOn(d, { baseScore, maxDepth: 8, rounds: 40 });
    const converted = xgboostJsonToOnnx(json);
    expect(maxAbsDiff(await onnxPredict(converted, d.matrix), predictNative(json, d.matrix))).toBeLessThanOrEqual(1e-5);
  });

  it('rejects models it cannot convert faithfully', () => {
    const json = JSON.parse(modelJson) as { learner: { objective: { name: string } } };
    json.learner.objective.name = 'reg:squarederror';
    expect(() => xgboostJsonToOnnx(JSON.stringify(json))).toThrowError(/binary:logistic/);
    expect(() => xgboostJsonToOnnx('{not json')).toThrowError(/not valid JSON/);
  });
});

const PAYSIM = paysimFixture('paysim-steps1-119-sample.csv');

describe('parity on real PaySim rows (decision-time features)', () => {
  it('matches XGBoost on every row of a time-split PaySim sample', async () => {
    const rows = sortByEventTime(await loadPaysimCsv(PAYSIM));
    const matrix = featuresForFile(rows.map((r) => r.tx));
    const labels = Float32Array.from(rows, (r) => (r.isFraud ? 1 : 0));
    const d: Dataset = { matrix, labels };
    const json = await trainOn(d, { baseScore: 0.2, rounds: 80, maxDepth: 6 }, [...FEATURE_NAMES]);
    const onnx = xgboostJsonToOnnx(json);
    const native = predictNative(json, matrix);
    expect(matrix.rows).toBeGreaterThan(10_000);
    expect(maxAbsDiff(await onnxPredict(onnx, matrix), native)).toBeLessThanOrEqual(1e-5);
  });
});
