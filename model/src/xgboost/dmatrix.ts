/**
 * XGBoost DMatrix from a row-major Float32Array (NaN = missing). The caller owns the returned
 * object and must call free() (try/finally): native memory is not garbage-collected.
 */
import { FraudError } from '@fraud/common';
import type { Matrix } from '../api.ts';
import { check, xgboost, type Handle } from './library.ts';

export interface DMatrix {
  readonly handle: Handle;
  readonly rows: number;
  readonly cols: number;
  free(): void;
}

export interface DMatrixInfo {
  labels?: Float32Array;
  weights?: Float32Array;
  nthread?: number;
}

export function assertMatrix(m: Matrix): void {
  if (
    !Number.isInteger(m.rows) ||
    !Number.isInteger(m.cols) ||
    m.rows < 0 ||
    m.cols <= 0 ||
    m.data.length !== m.rows * m.cols
  ) {
    throw new FraudError(
      'MODEL_INVALID',
      `matrix is ${m.rows}x${m.cols} but holds ${m.data.length} values; data must be row-major rows*cols`,
    );
  }
}

export function createDMatrix(m: Matrix, info: DMatrixInfo = {}): DMatrix {
  assertMatrix(m);
  const lib = xgboost();
  const out: Handle[] = [null];
  check(
    lib,
    lib.XGDMatrixCreateFromMat_omp(m.data, m.rows, m.cols, Number.NaN, out, info.nthread ?? 0),
    'XGDMatrixCreateFromMat',
  );
  const handle = out[0];
  let freed = false;
  const dm: DMatrix = {
    handle,
    rows: m.rows,
    cols: m.cols,
    free() {
      if (freed) return;
      freed = true;
      check(lib, lib.XGDMatrixFree(handle), 'XGDMatrixFree');
    },
  };
  try {
    if (info.labels !== undefined) setFloatInfo(dm, 'label', info.labels);
    if (info.weights !== undefined) setFloatInfo(dm, 'weight', info.weights);
  } catch (err: unknown) {
    dm.free();
    throw err;
  }
  return dm;
}

function setFloatInfo(dm: DMatrix, field: 'label' | 'weight', values: Float32Array): void {
  if (values.length !== dm.rows) {
    throw new FraudError('MODEL_INVALID', `${field} has ${values.length} values for ${dm.rows} rows`);
  }
  const lib = xgboost();
  check(lib, lib.XGDMatrixSetFloatInfo(dm.handle, field, values, values.length), `XGDMatrixSetFloatInfo(${field})`);
}
