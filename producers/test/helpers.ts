import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PAYSIM_DIR = process.env.PAYSIM_DIR ?? fileURLToPath(new URL('../../../shared/data/paysim', import.meta.url));
export const SHARED_CSVS = ['paysim-head-5330.csv', 'paysim-blocks-12651.csv', 'paysim-steps1-119-sample.csv'].map((f) => join(PAYSIM_DIR, f));
export const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios', import.meta.url));

export function quantile(sorted: readonly number[], p: number): number {
  const i = p * (sorted.length - 1);
  const lo = Math.floor(i);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}
