/**
 * Model benchmark (npm run bench -- model, or npx tsx bench/model.ts):
 *   - trains XGBoost (C API) on 1M synthetic rows x 20 features, 300 rounds, hist, nthread 2;
 *   - exports ONNX with our converter and checks parity against XGBoost on every scored row;
 *   - scores with onnxruntime-node and with XGBoost itself, same batches, same thread count;
 *   - explains rows with the TypeScript TreeSHAP.
 * Writes bench/results/model.json. Sizes can be reduced with BENCH_MODEL_ROWS / BENCH_MODEL_ROUNDS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Matrix } from '@fraud/model';
import { parseBenchEnv } from '@fraud/cli/bench-env';
import { seededRandom } from '@fraud/common/testing';
import {
  createExplainer,
  createServingModel,
  loadNativeModel,
  onnxruntimeVersion,
  trainXGBoost,
  xgboostJsonToOnnx,
  xgboostVersion,
} from '@fraud/model';

const COLS = 20;
const BATCH = 1000;

const prng = seededRandom;

/** Fraud-like data: ~2% positives, heavy-tailed amounts, NaNs, interactions, noise. */
function synthetic(rows: number, seed: number): { matrix: Matrix; labels: Float32Array } {
  const rand = prng(seed);
  const data = new Float32Array(rows * COLS);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * COLS;
    for (let c = 0; c < COLS; c++) {
      let v = rand() * 2 - 1;
      if (c % 5 === 0) v = Math.exp(v * 4);
      if (c % 5 === 1) v = Math.floor(rand() * 24);
      data[o + c] = c >= 15 && rand() < 0.15 ? Number.NaN : v;
    }
    const amount = data[o] ?? 0;
    const ratio = data[o + 2] ?? 0;
    const missing = Number.isNaN(data[o + 15] ?? 0);
    const z =
      Math.log(amount) * 0.9 +
      (ratio > 0.6 ? 1.5 : 0) +
      ((data[o + 3] ?? 0) * (data[o + 4] ?? 0) > 0.3 ? 1.2 : 0) +
      (missing ? 0.7 : 0) +
      (rand() - 0.5) * 3 -
      5.2;
    labels[r] = z > 0 ? 1 : 0;
  }
  return { matrix: { data, rows, cols: COLS }, labels };
}

function rowsPerSecond(rows: number, ms: number): number {
  return Math.round(rows / (ms / 1000));
}

async function timed(fn: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 };
}

function batches(m: Matrix, size: number): Matrix[] {
  const out: Matrix[] = [];
  for (let r = 0; r < m.rows; r += size) {
    const n = Math.min(size, m.rows - r);
    out.push({ data: m.data.subarray(r * m.cols, (r + n) * m.cols), rows: n, cols: m.cols });
  }
  return out;
}

async function main(): Promise<void> {
  const BENCH = parseBenchEnv(); // at start-up, not when the module is imported
  const ROWS = BENCH.BENCH_MODEL_ROWS;
  const ROUNDS = BENCH.BENCH_MODEL_ROUNDS;
  const SCORE_ROWS = Math.min(200_000, ROWS);
  const featureNames = Array.from({ length: COLS }, (_, i) => `f${i}`);
  const loadAtStart = Number((loadavg()[0] ?? 0).toFixed(2));
  const t0 = performance.now();
  const train = synthetic(ROWS, 1);
  const valid = synthetic(Math.round(ROWS / 10), 2);
  const score = synthetic(SCORE_ROWS, 3);
  console.log(
    `data: ${ROWS} train rows, ${valid.matrix.rows} validation rows x ${COLS} features ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // CPU time next to wall time: on a shared machine the wall clock mostly measures the neighbours.
  const cpuBefore = process.cpuUsage();
  const trained = await trainXGBoost({
    train: train.matrix,
    trainLabels: train.labels,
    valid: { matrix: valid.matrix, labels: valid.labels },
    featureNames,
    params: {
      rounds: ROUNDS,
      earlyStoppingRounds: 0,
      maxDepth: 6,
      eta: 0.1,
      subsample: 0.8,
      colsampleBytree: 0.8,
      minChildWeight: 1,
      lambda: 1,
      scalePosWeight: null,
      baseScore: 0.3,
      nthread: 2,
      seed: 1,
      ...(BENCH.BENCH_MODEL_MAX_BIN !== undefined ? { maxBin: BENCH.BENCH_MODEL_MAX_BIN } : {}),
    },
    onProgress: (round, total, metric) => {
      if (round % 25 === 0 || round === total)
        console.log(`train round ${round}/${total} valid-aucpr=${metric?.toFixed(4)}`);
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `trained ${trained.rounds} rounds in ${trained.seconds.toFixed(1)} s wall, ${trainCpuSeconds.toFixed(1)} s CPU ` +
      `(best iteration ${trained.bestIteration})`,
  );

  const tc = performance.now();
  const onnx = xgboostJsonToOnnx(trained.modelJson, { featureNames });
  const convertMs = performance.now() - tc;

  const result: Record<string, unknown> = {
    train_rows: ROWS,
    train_cols: COLS,
    train_rounds: trained.rounds,
    train_seconds: Number(trained.seconds.toFixed(2)),
    train_nthread: 2,
    train_cpu_seconds: Number(trainCpuSeconds.toFixed(2)),
    onnx_convert_ms: Number(convertMs.toFixed(1)),
    onnx_bytes: onnx.length,
    score_rows: SCORE_ROWS,
    batch_rows: BATCH,
  };

  for (const threads of [1, 2]) {
    const native = loadNativeModel(trained.modelJson, { nthread: threads });
    const serving = await createServingModel({
      version: 'bench',
      featureSet: 'bench',
      featureNames,
      onnx,
      modelJson: trained.modelJson,
      intraOpNumThreads: threads,
    });
    try {
      const parts = batches(score.matrix, BATCH);
      native.predict(parts[0] ?? score.matrix);
      await serving.predict(parts[0] ?? score.matrix);
      const nativeOut = new Float32Array(score.matrix.rows);
      const onnxOut = new Float32Array(score.matrix.rows);
      const nativeBatch = await timed(async () => parts.forEach((b, i) => nativeOut.set(native.predict(b), i * BATCH)));
      const onnxBatch = await timed(async () => {
        for (const [i, b] of parts.entries()) onnxOut.set(await serving.predict(b), i * BATCH);
      });
      let nativeWhole: Float32Array = new Float32Array(0);
      let onnxWhole: Float32Array = new Float32Array(0);
      const nativeWholeT = await timed(async () => {
        nativeWhole = native.predict(score.matrix);
      });
      const onnxWholeT = await timed(async () => {
        onnxWhole = await serving.predict(score.matrix);
      });
      let diff = 0;
      for (let i = 0; i < score.matrix.rows; i++) {
        diff = Math.max(
          diff,
          Math.abs((onnxOut[i] ?? 0) - (nativeOut[i] ?? 0)),
          Math.abs((onnxWhole[i] ?? 0) - (nativeWhole[i] ?? 0)),
        );
      }
      const suffix = threads === 1 ? '' : `_${threads}threads`;
      const n = score.matrix.rows;
      result[`native_rows_per_s${suffix}`] = rowsPerSecond(n, nativeBatch.ms);
      result[`onnx_rows_per_s${suffix}`] = rowsPerSecond(n, onnxBatch.ms);
      result[`native_whole_rows_per_s${suffix}`] = rowsPerSecond(n, nativeWholeT.ms);
      result[`onnx_whole_rows_per_s${suffix}`] = rowsPerSecond(n, onnxWholeT.ms);
      if (threads === 1) {
        // Rows per CPU-second: what one core does, whatever the neighbours on the machine do.
        result.native_rows_per_cpu_s = rowsPerSecond(n, nativeBatch.cpuMs);
        result.onnx_rows_per_cpu_s = rowsPerSecond(n, onnxBatch.cpuMs);
      }
      result.parity_max_abs_diff = Math.max(Number(result.parity_max_abs_diff ?? 0), diff);
      console.log(
        `scoring, ${threads} thread(s): native ${result[`native_rows_per_s${suffix}`]} rows/s, ` +
          `onnx ${result[`onnx_rows_per_s${suffix}`]} rows/s (${BATCH}-row batches); whole matrix ` +
          `native ${result[`native_whole_rows_per_s${suffix}`]}, onnx ${result[`onnx_whole_rows_per_s${suffix}`]}; ` +
          `max |diff| ${diff}`,
      );
    } finally {
      native.free();
      await serving.dispose();
    }
  }
  result.onnx_to_native_ratio = Number((Number(result.onnx_rows_per_s) / Number(result.native_rows_per_s)).toFixed(3));

  const te = performance.now();
  const explainer = createExplainer(trained.modelJson, featureNames);
  const explainerSetupMs = performance.now() - te;
  const explainRows = 3000;
  const explained = await timed(async () => {
    for (let r = 0; r < explainRows; r++) explainer.topReasons(score.matrix.data.subarray(r * COLS, (r + 1) * COLS), 5);
  });
  result.explain_per_s = rowsPerSecond(explainRows, explained.ms);
  result.explain_per_cpu_s = rowsPerSecond(explainRows, explained.cpuMs);
  result.explain_setup_ms = Number(explainerSetupMs.toFixed(1));
  console.log(`explain: ${result.explain_per_s} rows/s (top-5 TreeSHAP reasons, ${trained.rounds} trees)`);

  Object.assign(result, {
    xgboost: xgboostVersion(),
    onnxruntime: onnxruntimeVersion(),
    cpus: cpus().length,
    load_average_1m_at_start: loadAtStart,
    load_average_1m_at_end: Number((loadavg()[0] ?? 0).toFixed(2)),
    measured_at: new Date().toISOString(),
  });
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'model.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
