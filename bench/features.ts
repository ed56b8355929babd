/**
 * Feature throughput benchmark (npm run bench -- features, or npx tsx bench/features.ts). Writes
 * bench/results/features.json: rows per second, on the 12,651-row PaySim fixture, of
 *   1. the hard-coded fs-v2 code from before feature specs (the test oracle in
 *      model/test/features/fs-v2-oracle/) and
 *   2. the spec engine computing model/feature-sets/fs-v2.json (bit-identical output),
 * offline (the whole file) and online (micro-batches of 100 through one partition state), in
 * alternating rounds in one process, median of the rounds after a warm-up. The scorer's
 * throughput depends on the online figure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paysimFixture } from '@fraud/common/testing';
import { compileFeatureSpec, loadFeatureSpec, loadPaysimCsv, sortByEventTime } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
// The oracle is test code of @fraud/model, read here only to measure against it.
import * as oracle from '../model/test/features/fs-v2-oracle/compute.ts';
import { createFeatureState as oracleState } from '../model/test/features/fs-v2-oracle/state.ts';

const ROUNDS = 9;
const BATCH = 100;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stdout.write(`[bench features] ${s}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const txs = sortByEventTime(await loadPaysimCsv(paysimFixture('paysim-blocks-12651.csv'))).map((r) => r.tx);
  const fsV2 = compileFeatureSpec(loadFeatureSpec('fs-v2'));
  const batches: Transaction[][] = [];
  for (let i = 0; i < txs.length; i += BATCH) batches.push(txs.slice(i, i + BATCH));
  const runs = {
    oracleOffline: () => void oracle.featuresForFile(txs),
    engineOffline: () => void fsV2.computeFile(txs),
    oracleOnline: () => {
      const state = oracleState();
      for (const b of batches) oracle.computeFeatures(b, state);
    },
    engineOnline: () => {
      const state = fsV2.createState();
      for (const b of batches) fsV2.compute(b, state);
    },
  };
  const ms: Record<keyof typeof runs, number[]> = {
    oracleOffline: [],
    engineOffline: [],
    oracleOnline: [],
    engineOnline: [],
  };
  for (const run of Object.values(runs)) run(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, run] of Object.entries(runs) as [keyof typeof runs, () => void][]) ms[name].push(timed(run));
    log(`round ${r + 1}/${ROUNDS}`);
  }
  const rate = (name: keyof typeof runs): number => Math.round(txs.length / (median(ms[name]) / 1000));
  const result = {
    rows: txs.length,
    rounds: ROUNDS,
    batch: BATCH,
    rowsPerSecond: {
      offline: { hardCoded: rate('oracleOffline'), engine: rate('engineOffline') },
      online: { hardCoded: rate('oracleOnline'), engine: rate('engineOnline') },
    },
    engineToHardCoded: {
      offline: Number((rate('engineOffline') / rate('oracleOffline')).toFixed(3)),
      online: Number((rate('engineOnline') / rate('oracleOnline')).toFixed(3)),
    },
    machine: { cpus: cpus().length, loadavg_1m: Number((loadavg()[0] ?? 0).toFixed(2)), node: process.version },
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'features.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(JSON.stringify(result.rowsPerSecond));
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench features] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
