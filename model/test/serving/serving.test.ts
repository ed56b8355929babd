import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingModel } from '../../src/api.ts';
import { createExplainer } from '../../src/explain/explainer.ts';
import { xgboostJsonToOnnx } from '../../src/onnx/convert.ts';
import { readArtifact, writeArtifact } from '../../src/serving/artifact.ts';
import { createServingModel, onnxruntimeVersion } from '../../src/serving/serving-model.ts';
import { parityMaxAbsDiff, sha256Hex, smokeTest, verifyModel, verifyParity } from '../../src/serving/verify.ts';
import { xgboostVersion } from '../../src/xgboost/library.ts';
import { predictNative } from '../../src/xgboost/predict.ts';
import { trainXGBoost } from '../../src/xgboost/train.ts';
import { maxAbsDiff, names, slice, SMALL_PARAMS, synthetic } from '../xgboost/fixtures.ts';

const data = synthetic({ rows: 3000, cols: 10, seed: 42 });
const featureNames = names(10);
let modelJson: string;
let onnx: Uint8Array;
let model: ServingModel;
let dir: string;

beforeAll(async () => {
  const train = slice(data, 0, 2400);
  const result = await trainXGBoost({
    train: train.matrix,
    trainLabels: train.labels,
    featureNames,
    params: { ...SMALL_PARAMS, rounds: 40, earlyStoppingRounds: 0 },
  });
  modelJson = result.modelJson;
  onnx = xgboostJsonToOnnx(modelJson, { featureNames, metadata: { version: 'v-test' } });
  model = await createServingModel({ version: 'v-test', featureSet: 'fs-test', featureNames, onnx, modelJson });
  dir = await mkdtemp(join(tmpdir(), 'model-artifact-'));
});

afterAll(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('createServingModel', () => {
  it('predicts like XGBoost on a batch, and an empty batch gives nothing', async () => {
    const held = slice(data, 2400, 3000).matrix;
    expect(maxAbsDiff(await model.predict(held), predictNative(modelJson, held))).toBeLessThanOrEqual(1e-5);
    expect((await model.predict({ data: new Float32Array(0), rows: 0, cols: 10 })).length).toBe(0);
  });

  it('scores a single-row slice of a bigger buffer correctly', async () => {
    const row = data.matrix.data.subarray(10 * 10, 11 * 10);
    const [p] = await model.predict({ data: row, rows: 1, cols: 10 });
    const [expected] = predictNative(modelJson, { data: Float32Array.from(row), rows: 1, cols: 10 });
    expect(Math.abs((p ?? -1) - (expected ?? -2))).toBeLessThanOrEqual(1e-5);
  });

  it('explains with the same TreeSHAP reasons as the explainer', () => {
    const row = data.matrix.data.subarray(0, 10);
    expect(model.explain(row, 3)).toEqual(createExplainer(modelJson, featureNames).topReasons(row, 3));
    expect(model.explain(row, 3)).toHaveLength(3);
  });

  it('rejects a batch with the wrong number of columns', async () => {
    await expect(model.predict({ data: new Float32Array(9), rows: 1, cols: 9 })).rejects.toMatchObject({
      code: 'RECORD_INVALID',
    });
  });

  it('refuses bytes that are not an ONNX model, and feature lists that do not fit', async () => {
    await expect(
      createServingModel({ version: 'bad', featureSet: 'x', featureNames, onnx: new Uint8Array([1, 2, 3]), modelJson }),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    await expect(
      createServingModel({ version: 'bad', featureSet: 'x', featureNames: names(11), onnx, modelJson }),
    ).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE' });
  });

  it('passes the all-missing smoke test and stops serving after dispose', async () => {
    const p = await smokeTest(model);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    const other = await createServingModel({ version: 'v-2', featureSet: 'fs-test', featureNames, onnx, modelJson });
    await other.dispose();
    await expect(other.predict(data.matrix)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});

describe('verifyModel', () => {
  it('returns the checksum and smoke probability, and refuses a wrong checksum', async () => {
    const ok = await verifyModel(model, onnx, sha256Hex(onnx));
    expect(ok.sha256).toBe(sha256Hex(onnx));
    expect(ok.smokeProbability).toBe(await smokeTest(model));
    await expect(verifyModel(model, onnx, '0'.repeat(64))).rejects.toMatchObject({ code: 'MODEL_CHECKSUM' });
  });
});

describe('verifyParity', () => {
  it('accepts the faithful export and rejects an export of another model', async () => {
    const held = slice(data, 2400, 3000).matrix;
    expect(await verifyParity(modelJson, onnx, held)).toBeLessThanOrEqual(1e-5);
    const other = slice(data, 0, 1200);
    const otherModel = await trainXGBoost({
      train: other.matrix,
      trainLabels: other.labels,
      featureNames,
      params: { ...SMALL_PARAMS, rounds: 5, earlyStoppingRounds: 0, seed: 99 },
    });
    const wrongOnnx = xgboostJsonToOnnx(otherModel.modelJson);
    expect(await parityMaxAbsDiff(modelJson, wrongOnnx, held)).toBeGreaterThan(1e-3);
    await expect(verifyParity(modelJson, wrongOnnx, held)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});

describe('artifacts', () => {
  it('writes model.onnx, model.json and metadata.json and reads them back verified', async () => {
    const at = join(dir, 'v-test');
    const written = await writeArtifact(at, {
      onnx,
      modelJson,
      metadata: { version: 'v-test', featureSet: 'fs-test', featureNames, thresholds: { review: 0.4, block: 0.9 } },
    });
    expect(written.sha256).toBe(sha256Hex(onnx));
    expect(written.libraries).toEqual({ xgboost: xgboostVersion(), onnxruntime: onnxruntimeVersion() });
    const back = await readArtifact(at);
    expect(Buffer.from(back.onnx).equals(Buffer.from(onnx))).toBe(true);
    expect(back.modelJson).toBe(modelJson);
    expect(back.metadata.thresholds).toEqual({ review: 0.4, block: 0.9 });
    expect(back.metadata.featureNames).toEqual(featureNames);
    const reloaded = await createServingModel({ ...back.metadata, onnx: back.onnx, modelJson: back.modelJson });
    try {
      expect(maxAbsDiff(await reloaded.predict(data.matrix), await model.predict(data.matrix))).toBe(0);
    } finally {
      await reloaded.dispose();
    }
  });

  it('detects a changed model.onnx by its checksum', async () => {
    const at = join(dir, 'v-tampered');
    await writeArtifact(at, {
      onnx,
      modelJson,
      metadata: { version: 'v-tampered', featureSet: 'fs-test', featureNames },
    });
    const bytes = await readFile(join(at, 'model.onnx'));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(join(at, 'model.onnx'), bytes);
    await expect(readArtifact(at)).rejects.toMatchObject({ code: 'MODEL_CHECKSUM' });
  });

  it('says which file is missing', async () => {
    await expect(readArtifact(join(dir, 'nothing-here'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('metadata.json'),
    });
  });
});
