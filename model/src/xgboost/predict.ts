/**
 * XGBoost's own predictions from a JSON model: the reference the ONNX export and the TypeScript
 * TreeSHAP are checked against, and the native baseline of the model benchmark.
 */
import { FraudError } from '@fraud/common';
import type { Matrix } from '../api.ts';
import { loadBooster, PredictType } from './booster.ts';
import { createDMatrix } from './dmatrix.ts';

export interface NativeModel {
  /** Probabilities (in-place prediction on dense float32 rows). */
  predict(matrix: Matrix): Float32Array;
  /** pred_contribs: rows x (cols + 1) log-odds contributions, the last column is the bias. */
  contributions(matrix: Matrix): Float32Array;
  free(): void;
}

export function loadNativeModel(modelJson: string, options: { nthread?: number } = {}): NativeModel {
  const booster = loadBooster(modelJson, options.nthread ?? 0);
  return {
    predict(matrix) {
      const { values } = booster.predictDense(matrix, PredictType.value);
      if (values.length !== matrix.rows) {
        throw new FraudError(
          'MODEL_INCOMPATIBLE',
          `expected ${matrix.rows} predictions, got ${values.length}: is this a binary:logistic model?`,
        );
      }
      return values;
    },
    contributions(matrix) {
      const dm = createDMatrix(matrix);
      try {
        const { values } = booster.predict(dm, PredictType.contributions);
        if (values.length !== matrix.rows * (matrix.cols + 1)) {
          throw new FraudError(
            'MODEL_INCOMPATIBLE',
            `expected ${matrix.rows}x${matrix.cols + 1} contributions, got ${values.length} values`,
          );
        }
        return values;
      } finally {
        dm.free();
      }
    },
    free() {
      booster.free();
    },
  };
}

export function predictNative(modelJson: string, matrix: Matrix): Float32Array {
  const model = loadNativeModel(modelJson);
  try {
    return model.predict(matrix);
  } finally {
    model.free();
  }
}

export function predictContribsNative(modelJson: string, matrix: Matrix): Float32Array {
  const model = loadNativeModel(modelJson);
  try {
    return model.contributions(matrix);
  } finally {
    model.free();
  }
}
