/**
 * A thin owner of one BoosterHandle: parameters, one boosting round, evaluation, prediction,
 * slicing and (de)serialisation as XGBoost's JSON model. free() is idempotent; every other
 * method throws XGBOOST_FAILED after free().
 */
import koffi from 'koffi';
import { FraudError } from '@fraud/common';
import type { Matrix } from '../api.ts';
import { assertMatrix, type DMatrix } from './dmatrix.ts';
import { check, copyBytes, copyFloats, copyShape, xgboost, type Handle, type XGBoostLib } from './library.ts';

/** XGBoost's prediction types (PredictFromDMatrix config "type"). */
export const PredictType = { value: 0, margin: 1, contributions: 2 } as const;
export type PredictTypeCode = (typeof PredictType)[keyof typeof PredictType];

export interface Prediction {
  values: Float32Array;
  shape: number[];
}

export interface Booster {
  setParams(params: Record<string, string | number>): void;
  /**
   * One boosting round, on the calling thread. Every round of a booster must run on the same
   * thread: XGBoost 1.7 keeps its prediction cache per thread (see trainXGBoost).
   */
  updateOneIter(iter: number, dtrain: DMatrix): void;
  /** XGBoost's eval string, e.g. "[3]\tvalid-aucpr:0.81". */
  evalOneIter(iter: number, sets: { name: string; dmatrix: DMatrix }[]): string;
  predict(dmatrix: DMatrix, type: PredictTypeCode): Prediction;
  /** In-place prediction from dense float32 rows (no DMatrix copy). */
  predictDense(matrix: Matrix, type: PredictTypeCode): Prediction;
  boostedRounds(): number;
  setAttr(key: string, value: string): void;
  /** A new booster holding trees of rounds [begin, end). */
  slice(begin: number, end: number): Booster;
  saveJson(): string;
  free(): void;
}

export function createBooster(cache: DMatrix[] = []): Booster {
  const lib = xgboost();
  const out: Handle[] = [null];
  check(
    lib,
    lib.XGBoosterCreate(
      cache.map((d) => d.handle),
      cache.length,
      out,
    ),
    'XGBoosterCreate',
  );
  return wrap(out[0]);
}

/** Loads XGBoost's JSON (or UBJSON) model bytes into a new booster. */
export function loadBooster(model: string | Uint8Array, nthread = 0): Booster {
  const bytes = typeof model === 'string' ? Buffer.from(model, 'utf8') : model;
  const lib = xgboost();
  const out: Handle[] = [null];
  check(lib, lib.XGBoosterCreate([], 0, out), 'XGBoosterCreate');
  const booster = wrap(out[0]);
  try {
    const rc = lib.XGBoosterLoadModelFromBuffer(out[0], bytes, bytes.length);
    if (rc !== 0) throw new FraudError('MODEL_INVALID', `not a loadable XGBoost model: ${lib.XGBGetLastError()}`);
    if (nthread > 0) booster.setParams({ nthread });
    return booster;
  } catch (err: unknown) {
    booster.free();
    throw err;
  }
}

function readPrediction(
  lib: XGBoostLib,
  rc: number,
  what: string,
  out: { shape: Handle[]; dim: number[]; result: Handle[] },
): Prediction {
  check(lib, rc, what);
  const shape = copyShape(out.shape[0], Number(out.dim[0]));
  const count = shape.reduce((a, b) => a * b, 1);
  return { shape, values: copyFloats(out.result[0], count) };
}

function predictFromDMatrix(lib: XGBoostLib, handle: Handle, dmatrix: DMatrix, type: PredictTypeCode): Prediction {
  const config = JSON.stringify({
    type,
    training: false,
    iteration_begin: 0,
    iteration_end: 0,
    strict_shape: false,
  });
  const out = { shape: [null] as Handle[], dim: [0], result: [null] as Handle[] };
  const rc = lib.XGBoosterPredictFromDMatrix(handle, dmatrix.handle, config, out.shape, out.dim, out.result);
  return readPrediction(lib, rc, 'XGBoosterPredictFromDMatrix', out);
}

/** `live` throws for a freed booster; it is called right before the C call, the allocation freed either way. */
function predictFromDense(lib: XGBoostLib, live: () => Handle, matrix: Matrix, type: PredictTypeCode): Prediction {
  assertMatrix(matrix);
  if (matrix.rows === 0) return { shape: [0], values: new Float32Array(0) };
  // XGBoost reads the rows through an array-interface address, so they must sit in memory
  // that does not move: a koffi allocation, released right after the call.
  const native: Handle = koffi.alloc('float', matrix.data.length);
  try {
    new Float32Array(koffi.view(native, matrix.data.byteLength)).set(matrix.data);
    const address = koffi.address(native).toString();
    const iface = `{"data":[${address},true],"shape":[${matrix.rows},${matrix.cols}],"typestr":"<f4","version":3}`;
    const config =
      `{"type":${type},"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,` +
      `"missing":NaN,"cache_id":0}`;
    const out = { shape: [null] as Handle[], dim: [0], result: [null] as Handle[] };
    const rc = lib.XGBoosterPredictFromDense(live(), iface, config, null, out.shape, out.dim, out.result);
    return readPrediction(lib, rc, 'XGBoosterPredictFromDense', out);
  } finally {
    koffi.free(native);
  }
}

function wrap(handle: Handle): Booster {
  const lib = xgboost();
  let freed = false;
  const live = (): Handle => {
    if (freed) throw new FraudError('XGBOOST_FAILED', 'booster used after free()');
    return handle;
  };
  const booster: Booster = {
    setParams(params) {
      for (const [k, v] of Object.entries(params)) {
        check(lib, lib.XGBoosterSetParam(live(), k, String(v)), `XGBoosterSetParam(${k}=${v})`);
      }
    },
    updateOneIter(iter, dtrain) {
      check(lib, lib.XGBoosterUpdateOneIter(live(), iter, dtrain.handle), `XGBoosterUpdateOneIter (round ${iter})`);
    },
    evalOneIter(iter, sets) {
      const out: (string | null)[] = [null];
      const rc = lib.XGBoosterEvalOneIter(
        live(),
        iter,
        sets.map((s) => s.dmatrix.handle),
        sets.map((s) => s.name),
        sets.length,
        out,
      );
      check(lib, rc, 'XGBoosterEvalOneIter');
      return out[0] ?? '';
    },
    predict(dmatrix, type) {
      return predictFromDMatrix(lib, live(), dmatrix, type);
    },
    predictDense(matrix, type) {
      return predictFromDense(lib, live, matrix, type);
    },
    boostedRounds() {
      const out = [0];
      check(lib, lib.XGBoosterBoostedRounds(live(), out), 'XGBoosterBoostedRounds');
      return out[0] ?? 0;
    },
    setAttr(key, value) {
      check(lib, lib.XGBoosterSetAttr(live(), key, value), 'XGBoosterSetAttr');
    },
    slice(begin, end) {
      const out: Handle[] = [null];
      check(lib, lib.XGBoosterSlice(live(), begin, end, 1, out), 'XGBoosterSlice');
      return wrap(out[0]);
    },
    saveJson() {
      const lenOut = [0];
      const bytesOut: Handle[] = [null];
      check(
        lib,
        lib.XGBoosterSaveModelToBuffer(live(), '{"format":"json"}', lenOut, bytesOut),
        'XGBoosterSaveModelToBuffer',
      );
      return Buffer.from(copyBytes(bytesOut[0], Number(lenOut[0]))).toString('utf8');
    },
    free() {
      if (freed) return;
      freed = true;
      check(lib, lib.XGBoosterFree(handle), 'XGBoosterFree');
    },
  };
  return booster;
}
