import { FraudError } from '@fraud/common';

/**
 * Time-ordered split: train on the past, skip a label-delay gap, validate, skip another gap,
 * test on the future. Never random. Boundaries are event times; all rows with the same event
 * time (a PaySim step) fall in the same part. Rows inside a gap are still featurised (the
 * scorer sees them as history) but their labels are used nowhere.
 */
export type Part = 'train' | 'gap' | 'valid' | 'test';

export interface SplitPlan {
  /** [from, to) in epoch ms for each part; test.to is Infinity when open-ended. */
  train: { from: number; to: number };
  valid: { from: number; to: number };
  test: { from: number; to: number } | null;
  gapMs: number;
}

export interface SplitOptions {
  /** Label delay between parts, in ms. */
  gapMs: number;
  /** Fractions of rows (by time) for validation and test; test may be 0 (no test part). */
  validFraction: number;
  testFraction: number;
}

export const DEFAULT_SPLIT: Readonly<SplitOptions> = { gapMs: 6 * 3_600_000, validFraction: 0.2, testFraction: 0.2 };

/** The event time below which `fraction` of the (sorted) times lie, moved to a time boundary. */
function timeAtFraction(sorted: ArrayLike<number>, fraction: number): number {
  const k = Math.min(sorted.length - 1, Math.max(0, Math.floor(fraction * sorted.length)));
  return sorted[k] ?? 0;
}

/** Plans the split from the rows' event times (any order). */
export function planSplit(eventTimes: ArrayLike<number>, opts: SplitOptions = DEFAULT_SPLIT): SplitPlan {
  const { gapMs, validFraction, testFraction } = opts;
  if (!(validFraction > 0) || !(testFraction >= 0) || validFraction + testFraction >= 0.9) {
    throw new FraudError(
      'CONFIG_INVALID',
      `split fractions must satisfy valid > 0, test >= 0, valid + test < 0.9 (got ${validFraction}, ${testFraction})`,
    );
  }
  if (!(gapMs >= 0)) throw new FraudError('CONFIG_INVALID', `label-delay gap must be >= 0 ms, got ${gapMs}`);
  const sorted = Float64Array.from(eventTimes).sort();
  if (sorted.length === 0) throw new FraudError('CONFIG_INVALID', 'no rows to split');
  const first = sorted[0] ?? 0;
  const last = sorted[sorted.length - 1] ?? 0;
  const testFrom = testFraction > 0 ? timeAtFraction(sorted, 1 - testFraction) : last + 1;
  const validFrom = timeAtFraction(sorted, 1 - testFraction - validFraction);
  const plan: SplitPlan = {
    train: { from: first, to: validFrom - gapMs },
    valid: { from: validFrom, to: testFraction > 0 ? testFrom - gapMs : last + 1 },
    test: testFraction > 0 ? { from: testFrom, to: Infinity } : null,
    gapMs,
  };
  if (plan.train.to <= plan.train.from || plan.valid.to <= plan.valid.from) {
    throw new FraudError(
      'CONFIG_INVALID',
      `the data spans too little time for a ${gapMs / 3_600_000} h label-delay gap between parts; use a smaller gap ` +
        `or more data`,
      { details: { plan } },
    );
  }
  return plan;
}

/** Split with explicit boundaries (e.g. train up to step N), for reproducible reports. */
export function explicitSplit(b: {
  trainFrom: number;
  validFrom: number;
  testFrom: number | null;
  gapMs: number;
  end?: number;
}): SplitPlan {
  return {
    train: { from: b.trainFrom, to: b.validFrom - b.gapMs },
    valid: { from: b.validFrom, to: b.testFrom === null ? (b.end ?? Infinity) : b.testFrom - b.gapMs },
    test: b.testFrom === null ? null : { from: b.testFrom, to: b.end ?? Infinity },
    gapMs: b.gapMs,
  };
}

export function partOf(t: number, plan: SplitPlan): Part {
  if (t >= plan.train.from && t < plan.train.to) return 'train';
  if (t >= plan.valid.from && t < plan.valid.to) return 'valid';
  if (plan.test !== null && t >= plan.test.from && t < plan.test.to) return 'test';
  return 'gap';
}
