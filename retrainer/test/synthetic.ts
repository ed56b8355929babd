import type { Label, ScoredTransaction } from '@fraud/schemas';
import {
  FEATURE_INDEX,
  FEATURE_NAMES,
  FEATURE_SET,
  trainXGBoost,
  type TrainInput,
  type TrainResult,
} from '@fraud/model';
import { label, scored } from './fixtures.ts';
import { seededRandom } from '@fraud/common/testing';

/**
 * Synthetic logged features with a learnable fraud signal. Typology "takeover" lights up
 * empties_account / amount_to_orig_balance; typology "fanin" lights up dest_fanin_24h and
 * dest_in_count_1h instead (a pattern a takeover-only model does not know). Seeded.
 */
export interface SyntheticOptions {
  start: number;
  hours: number;
  rows: number;
  fraudRate: number;
  /** Share of frauds that are "fanin" (the rest are "takeover"). */
  faninShare: number;
  seed: number;
  prefix: string;
}

export const rng = seededRandom;

export function synthetic(o: SyntheticOptions): { records: ScoredTransaction[]; labels: Label[] } {
  const r = rng(o.seed);
  const records: ScoredTransaction[] = [];
  const labels: Label[] = [];
  const n = FEATURE_NAMES.length;
  for (let i = 0; i < o.rows; i++) {
    const t = o.start + Math.floor((i / o.rows) * o.hours * 3_600_000);
    const fraud = r() < o.fraudRate;
    const typology = fraud ? (r() < o.faninShare ? 'fanin' : 'takeover') : null;
    const f = Array.from({ length: n }, () => r());
    f[FEATURE_INDEX.amount] = Math.round(1000 + r() * 100_000);
    f[FEATURE_INDEX.empties_account] = r() < 0.05 ? 1 : 0;
    f[FEATURE_INDEX.amount_to_orig_balance] = r() * 0.5;
    f[FEATURE_INDEX.dest_fanin_24h] = Math.floor(r() * 3);
    f[FEATURE_INDEX.dest_in_count_1h] = Math.floor(r() * 2);
    if (typology === 'takeover') {
      f[FEATURE_INDEX.empties_account] = r() < 0.9 ? 1 : 0;
      f[FEATURE_INDEX.amount_to_orig_balance] = 0.9 + r() * 0.1;
    } else if (typology === 'fanin') {
      f[FEATURE_INDEX.dest_fanin_24h] = 6 + Math.floor(r() * 10);
      f[FEATURE_INDEX.dest_in_count_1h] = 3 + Math.floor(r() * 5);
    }
    const txId = `${o.prefix}-${i}`;
    records.push(scored(txId, t, f, { featureSet: FEATURE_SET }));
    labels.push(label(txId, fraud, t + 60_000, typology));
  }
  return { records, labels };
}

/** A deliberately bad trainer: the same XGBoost on shuffled labels. */
export function shuffledLabels(input: TrainInput): Promise<TrainResult> {
  const r = rng(7);
  const l = Float32Array.from(input.trainLabels);
  for (let i = l.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [l[i], l[j]] = [l[j] ?? 0, l[i] ?? 0];
  }
  return trainXGBoost({ ...input, trainLabels: l });
}

/** Phase 1 of the promotion tests: 48 hours, 6,000 transactions, 3% fraud, all of it account takeover. */
export function takeoverPhase(start: number): { records: ScoredTransaction[]; labels: Label[] } {
  return synthetic({ start, hours: 48, rows: 6000, fraudRate: 0.03, faninShare: 0, seed: 1, prefix: 'p1' });
}

/** Phase 2: the same volume, but a typology the phase-1 champion never saw (fan-in) makes 70% of the fraud. */
export function faninPhase(start: number): { records: ScoredTransaction[]; labels: Label[] } {
  return synthetic({ start, hours: 48, rows: 6000, fraudRate: 0.03, faninShare: 0.7, seed: 2, prefix: 'p2' });
}
