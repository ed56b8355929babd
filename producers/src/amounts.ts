import type { PaySimType } from '@fraud/schemas';
import { AMOUNT_QUANTILE_PROBS, AMOUNT_QUANTILES } from './calibration.ts';

/**
 * The empirical inverse CDF of legitimate amounts per type: log-linear interpolation between
 * the calibrated quantiles, so a uniform u reproduces PaySim's marginal (exactly at the knots).
 */
export function amountAt(type: PaySimType, u: number): number {
  const qs = AMOUNT_QUANTILES[type];
  const ps = AMOUNT_QUANTILE_PROBS;
  let hi = 1;
  while (hi < ps.length - 1 && ps[hi]! < u) hi++;
  const lo = hi - 1;
  const p0 = ps[lo]!;
  const p1 = ps[hi]!;
  const q0 = qs[lo]!;
  const q1 = qs[hi]!;
  const f = p1 > p0 ? Math.min(1, Math.max(0, (u - p0) / (p1 - p0))) : 0;
  if (q0 <= 0) return q0 + (q1 - q0) * f;
  return Math.exp(Math.log(q0) + (Math.log(q1) - Math.log(q0)) * f);
}

/** Major units (PaySim's 2-decimal amounts) to integer minor units. */
export function toMinor(major: number): number {
  return Math.round(major * 100);
}

/**
 * A customer's personal quantile: their habit `center` plus noise, reflected into [0, 1].
 * Reflection keeps the population marginal uniform when centers are uniform, so personal
 * habits do not bend the calibrated distribution.
 */
export function personalQuantile(center: number, noise: number): number {
  let u = center + noise;
  if (u < 0) u = -u;
  if (u >= 1) u = 2 - u;
  return Math.min(0.999999, Math.max(0, u));
}
