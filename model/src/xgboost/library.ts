/**
 * The XGBoost C API (libxgboost 1.7) bound with koffi. Loaded lazily on first use, never at
 * import time. OMP_WAIT_POLICY must be set before libgomp is loaded: it reads the variable
 * once, and the default ("active") spin-waits between parallel regions, which makes training
 * about 5x slower on a shared 2-core machine.
 */
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { FraudError } from '@fraud/common';
import { defaultOmpWaitPolicy, parseModelEnv, type ModelEnv } from '../env.ts';

/** Opaque handles owned by XGBoost; freed with XGDMatrixFree / XGBoosterFree. */
export type Handle = unknown;

export interface XGBoostLib {
  path: string;
  version: string;
  XGDMatrixCreateFromMat_omp(
    data: Float32Array,
    nrow: number,
    ncol: number,
    missing: number,
    out: Handle[],
    nthread: number,
  ): number;
  XGDMatrixSetFloatInfo(handle: Handle, field: string, data: Float32Array, len: number): number;
  XGDMatrixFree(handle: Handle): number;
  XGBoosterCreate(dmats: Handle[], len: number, out: Handle[]): number;
  XGBoosterFree(handle: Handle): number;
  XGBoosterSetParam(handle: Handle, name: string, value: string): number;
  XGBoosterUpdateOneIter(handle: Handle, iter: number, dtrain: Handle): number;
  XGBoosterEvalOneIter(
    handle: Handle,
    iter: number,
    dmats: Handle[],
    names: string[],
    len: number,
    out: (string | null)[],
  ): number;
  XGBoosterPredictFromDMatrix(
    handle: Handle,
    dmat: Handle,
    config: string,
    outShape: Handle[],
    outDim: bigint[] | number[],
    outResult: Handle[],
  ): number;
  XGBoosterPredictFromDense(
    handle: Handle,
    arrayInterface: string,
    config: string,
    proxy: Handle,
    outShape: Handle[],
    outDim: bigint[] | number[],
    outResult: Handle[],
  ): number;
  XGBoosterSaveModelToBuffer(handle: Handle, config: string, outLen: bigint[] | number[], outBytes: Handle[]): number;
  XGBoosterLoadModelFromBuffer(handle: Handle, buf: Uint8Array, len: number): number;
  XGBoosterSlice(handle: Handle, begin: number, end: number, step: number, out: Handle[]): number;
  XGBoosterBoostedRounds(handle: Handle, out: number[]): number;
  XGBoosterSetAttr(handle: Handle, key: string, value: string): number;
  XGBGetLastError(): string;
}

/** Where Debian, conda/pip wheels and manual installs put the library. */
const CANDIDATE_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libxgboost.so.0',
  '/usr/lib/x86_64-linux-gnu/libxgboost.so',
  '/usr/lib/aarch64-linux-gnu/libxgboost.so.0',
  '/usr/local/lib/libxgboost.so',
  '/usr/lib/libxgboost.so',
  '/opt/homebrew/lib/libxgboost.dylib',
  '/usr/local/lib/libxgboost.dylib',
];

/** XGBOOST_LIB wins; otherwise the first candidate that exists. */
export function resolveLibraryPath(env: Pick<ModelEnv, 'XGBOOST_LIB'> = parseModelEnv()): string {
  const explicit = env.XGBOOST_LIB;
  if (explicit !== undefined && explicit !== '') {
    if (!existsSync(explicit)) {
      throw new FraudError(
        'XGBOOST_FAILED',
        `XGBOOST_LIB=${explicit} does not exist; point it at libxgboost.so or unset it`,
      );
    }
    return explicit;
  }
  const found = CANDIDATE_PATHS.find((p) => existsSync(p));
  if (found === undefined) {
    throw new FraudError(
      'XGBOOST_FAILED',
      `libxgboost not found in ${CANDIDATE_PATHS.join(', ')}; install libxgboost0 (apt) or set XGBOOST_LIB`,
    );
  }
  return found;
}

let loaded: XGBoostLib | undefined;

/** The process-wide binding (a shared library is loaded once per process anyway). */
export function xgboost(): XGBoostLib {
  loaded ??= load(parseModelEnv());
  return loaded;
}

function load(env: ModelEnv): XGBoostLib {
  defaultOmpWaitPolicy(env);
  const path = resolveLibraryPath(env);
  let lib: koffi.IKoffiLib;
  try {
    lib = koffi.load(path);
  } catch (err: unknown) {
    throw new FraudError('XGBOOST_FAILED', `cannot load ${path}; set XGBOOST_LIB to a working libxgboost`, {
      cause: err,
    });
  }
  // Registers the XGHandle type used in the signatures below (koffi type names are global,
  // and this runs once per process).
  koffi.pointer('XGHandle', koffi.opaque());
  const f = (sig: string): ((...args: never[]) => number) => lib.func(sig) as (...args: never[]) => number;
  const versionFn = lib.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)');
  const v: number[][] = [[0], [0], [0]];
  versionFn(v[0], v[1], v[2]);
  const bound = {
    path,
    version: `${v[0]?.[0]}.${v[1]?.[0]}.${v[2]?.[0]}`,
    XGDMatrixCreateFromMat_omp: f(
      'int XGDMatrixCreateFromMat_omp(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ ' +
        'XGHandle *out, int nthread)',
    ),
    XGDMatrixSetFloatInfo: f(
      'int XGDMatrixSetFloatInfo(XGHandle handle, const char *field, const float *array, uint64_t len)',
    ),
    XGDMatrixFree: f('int XGDMatrixFree(XGHandle handle)'),
    XGBoosterCreate: f('int XGBoosterCreate(XGHandle *dmats, uint64_t len, _Out_ XGHandle *out)'),
    XGBoosterFree: f('int XGBoosterFree(XGHandle handle)'),
    XGBoosterSetParam: f('int XGBoosterSetParam(XGHandle handle, const char *name, const char *value)'),
    XGBoosterUpdateOneIter: f('int XGBoosterUpdateOneIter(XGHandle handle, int iter, XGHandle dtrain)'),
    XGBoosterEvalOneIter: f(
      'int XGBoosterEvalOneIter(XGHandle handle, int iter, XGHandle *dmats, const char **names, uint64_t len, _Out_ ' +
        'const char **out)',
    ),
    XGBoosterPredictFromDMatrix: f(
      'int XGBoosterPredictFromDMatrix(XGHandle handle, XGHandle dmat, const char *config, _Out_ void **outShape, ' +
        '_Out_ uint64_t *outDim, _Out_ void **outResult)',
    ),
    XGBoosterPredictFromDense: f(
      'int XGBoosterPredictFromDense(XGHandle handle, const char *values, const char *config, XGHandle proxy, _Out_ ' +
        'void **outShape, _Out_ uint64_t *outDim, _Out_ void **outResult)',
    ),
    XGBoosterSaveModelToBuffer: f(
      'int XGBoosterSaveModelToBuffer(XGHandle handle, const char *config, _Out_ uint64_t *outLen, _Out_ void ' +
        '**outBytes)',
    ),
    XGBoosterLoadModelFromBuffer: f('int XGBoosterLoadModelFromBuffer(XGHandle handle, const void *buf, uint64_t len)'),
    XGBoosterSlice: f('int XGBoosterSlice(XGHandle handle, int begin, int end, int step, _Out_ XGHandle *out)'),
    XGBoosterBoostedRounds: f('int XGBoosterBoostedRounds(XGHandle handle, _Out_ int *out)'),
    XGBoosterSetAttr: f('int XGBoosterSetAttr(XGHandle handle, const char *key, const char *value)'),
    XGBGetLastError: lib.func('const char *XGBGetLastError()') as () => string,
  };
  return bound as unknown as XGBoostLib;
}

/** Throws XGBOOST_FAILED with XGBoost's own message when a C call returns non-zero. */
export function check(lib: XGBoostLib, rc: number, what: string): void {
  if (rc !== 0) {
    throw new FraudError('XGBOOST_FAILED', `${what} failed: ${lib.XGBGetLastError()}`);
  }
}

/** Copies `count` elements of C memory owned by XGBoost (valid until the next call). */
export function copyFloats(ptr: Handle, count: number): Float32Array {
  if (count === 0) return new Float32Array(0);
  return new Float32Array(koffi.decode(ptr, 'float', count) as Float32Array);
}

export function copyShape(ptr: Handle, dim: number): number[] {
  const raw = koffi.decode(ptr, 'uint64_t', dim) as ArrayLike<number | bigint>;
  return Array.from(raw, (x) => Number(x));
}

export function copyBytes(ptr: Handle, len: number): Uint8Array {
  return new Uint8Array(koffi.decode(ptr, 'uint8_t', len) as Uint8Array);
}

export function xgboostVersion(): string {
  return xgboost().version;
}
