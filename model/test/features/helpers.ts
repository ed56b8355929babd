import type { Transaction, TransactionType } from '@fraud/schemas';
import { FEATURE_NAMES, NUM_FEATURES, type FeatureName } from '../../src/features/index.ts';
import { seededRandom } from '@fraud/common/testing';

export function tx(p: {
  id?: string;
  t: number;
  type: TransactionType;
  amount: number;
  orig: string;
  ob: number;
  dest: string;
  db: number;
}): Transaction {
  return {
    txId: p.id ?? `${p.orig}-${p.t}`,
    eventTime: p.t,
    type: p.type,
    amount: p.amount,
    currency: 'USD',
    originAccount: p.orig,
    originBalanceBefore: p.ob,
    destAccount: p.dest,
    destBalanceBefore: p.db,
    channel: null,
    attributes: {},
  };
}

/** Row i of a feature matrix as a name -> value record. */
export function row(data: Float32Array, i: number): Record<FeatureName, number> {
  return Object.fromEntries(FEATURE_NAMES.map((n, j) => [n, data[i * NUM_FEATURES + j] ?? -999])) as Record<
    FeatureName,
    number
  >;
}

export const rng = seededRandom;

export function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
