/**
 * The model as the scorer uses it: batch probabilities from onnxruntime-node (the exported
 * ONNX graph) and explanations from TreeSHAP over the same trees (the XGBoost JSON).
 */
import ort from 'onnxruntime-node';
import { FraudError } from '@fraud/common';
import type { Matrix, ServingModel } from '../api.ts';
import { createExplainer } from '../explain/explainer.ts';
import { ONNX_INPUT, ONNX_OUTPUT } from '../onnx/convert.ts';
import { parseXGBoostModel } from '../xgboost/model-json.ts';

export interface ServingModelSource {
  version: string;
  featureSet: string;
  featureNames: readonly string[];
  onnx: Uint8Array;
  modelJson: string;
  /** onnxruntime intra-op threads; 1 is fastest for micro-batches on a small machine. */
  intraOpNumThreads?: number;
}

export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

export async function createOnnxSession(onnx: Uint8Array, intraOpNumThreads = 1): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(onnx, {
      intraOpNumThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err: unknown) {
    throw new FraudError(
      'MODEL_INVALID',
      `onnxruntime cannot load the model: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** Runs the exported graph on [rows, cols] float32 rows; returns one probability per row. */
export async function runOnnx(session: ort.InferenceSession, matrix: Matrix): Promise<Float32Array> {
  if (matrix.rows === 0) return new Float32Array(0);
  const input = new ort.Tensor('float32', matrix.data, [matrix.rows, matrix.cols]);
  const out = await session.run({ [ONNX_INPUT]: input });
  const probs = out[ONNX_OUTPUT];
  if (probs === undefined || !(probs.data instanceof Float32Array) || probs.data.length !== matrix.rows) {
    throw new FraudError('MODEL_INVALID', `ONNX model did not return ${matrix.rows} "${ONNX_OUTPUT}" values`);
  }
  return probs.data;
}

export async function createServingModel(source: ServingModelSource): Promise<ServingModel> {
  const parsed = parseXGBoostModel(source.modelJson);
  const cols = source.featureNames.length;
  if (parsed.numFeature !== cols) {
    throw new FraudError(
      'MODEL_INCOMPATIBLE',
      `model ${source.version} has ${parsed.numFeature} features but ${cols} feature names`,
    );
  }
  const explainer = createExplainer(parsed, source.featureNames);
  const session = await createOnnxSession(source.onnx, source.intraOpNumThreads ?? 1);
  const inputs = session.inputNames;
  if (!inputs.includes(ONNX_INPUT) || !session.outputNames.includes(ONNX_OUTPUT)) {
    await session.release();
    throw new FraudError(
      'MODEL_INCOMPATIBLE',
      `ONNX model must take "${ONNX_INPUT}" and return "${ONNX_OUTPUT}" (has ${inputs.join(',')} ` +
        `-> ${session.outputNames.join(',')})`,
    );
  }
  let released = false;
  return {
    version: source.version,
    featureSet: source.featureSet,
    featureNames: source.featureNames,
    async predict(matrix) {
      if (released) throw new FraudError('MODEL_INVALID', `model ${source.version} was disposed`);
      if (matrix.cols !== cols || matrix.data.length !== matrix.rows * cols) {
        throw new FraudError(
          'RECORD_INVALID',
          `matrix is ${matrix.rows}x${matrix.cols} (${matrix.data.length} values); model ${source.version} ` +
            `expects ${cols} columns`,
        );
      }
      return runOnnx(session, matrix);
    },
    explain(row, topK) {
      return explainer.topReasons(row, topK);
    },
    async dispose() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
