/**
 * Checks a model before it serves: checksum of the ONNX bytes, a smoke prediction, and parity
 * of the ONNX graph with XGBoost's own predictions on given rows.
 */
import { createHash } from 'node:crypto';
import { FraudError } from '@fraud/common';
import type { Matrix, ServingModel } from '../api.ts';
import { loadNativeModel } from '../xgboost/predict.ts';
import { createOnnxSession, runOnnx } from './serving-model.ts';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function verifyChecksum(bytes: Uint8Array, expected: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw new FraudError(
      'MODEL_CHECKSUM',
      `ONNX model sha256 is ${actual}, expected ${expected}; the artifact is corrupt or was changed`,
    );
  }
}

/** A row of NaNs (every feature missing) must still give a probability in [0, 1]. */
export async function smokeTest(model: ServingModel): Promise<number> {
  const cols = model.featureNames.length;
  const probs = await model.predict({ data: new Float32Array(cols).fill(Number.NaN), rows: 1, cols });
  const p = probs[0];
  if (p === undefined || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new FraudError(
      'MODEL_INVALID',
      `model ${model.version} returned ${String(p)} for an all-missing row; expected a probability`,
    );
  }
  return p;
}

/** Largest |ONNX - XGBoost| probability over the rows. */
export async function parityMaxAbsDiff(modelJson: string, onnx: Uint8Array, matrix: Matrix): Promise<number> {
  const native = loadNativeModel(modelJson);
  let expected: Float32Array;
  try {
    expected = native.predict(matrix);
  } finally {
    native.free();
  }
  const session = await createOnnxSession(onnx);
  try {
    const actual = await runOnnx(session, matrix);
    let max = 0;
    for (let i = 0; i < matrix.rows; i++) {
      const d = Math.abs((actual[i] ?? Number.NaN) - (expected[i] ?? Number.NaN));
      max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(max, d);
    }
    return max;
  } finally {
    await session.release();
  }
}

/** Throws MODEL_INVALID when the export disagrees with XGBoost by more than the tolerance. */
export async function verifyParity(
  modelJson: string,
  onnx: Uint8Array,
  matrix: Matrix,
  tolerance = 1e-5,
): Promise<number> {
  const diff = await parityMaxAbsDiff(modelJson, onnx, matrix);
  if (!(diff <= tolerance)) {
    throw new FraudError(
      'MODEL_INVALID',
      `ONNX export differs from XGBoost by ${diff} (> ${tolerance}); do not publish this model`,
    );
  }
  return diff;
}

/** Everything a loader checks before a model serves: checksum (when known) and a smoke prediction. */
export async function verifyModel(
  model: ServingModel,
  onnx: Uint8Array,
  expectedSha256?: string,
): Promise<{ sha256: string; smokeProbability: number }> {
  if (expectedSha256 !== undefined) verifyChecksum(onnx, expectedSha256);
  return { sha256: sha256Hex(onnx), smokeProbability: await smokeTest(model) };
}
