import { TRANSACTION_TYPES } from '@fraud/schemas';

/** What a name in a rule can refer to, and its type. */
export type ValueType = 'number' | 'string' | 'bool' | 'time';

/**
 * The Transaction v2 fields a rule may read. Money in minor units (as published), like amount.
 * eventTime only as the argument of hour_of_day / day_of_week.
 */
export const TRANSACTION_FIELDS: Readonly<Record<string, ValueType>> = {
  amount: 'number',
  type: 'string',
  currency: 'string',
  originAccount: 'string',
  destAccount: 'string',
  merchantId: 'string',
  merchantCategory: 'string',
  terminalId: 'string',
  country: 'string',
  deviceId: 'string',
  channel: 'string',
  eventTime: 'time',
};
export const TYPE_SYMBOLS: readonly string[] = TRANSACTION_TYPES;

/**
 * Names a rule may use besides the transaction fields and `score`. `features`: the live feature
 * set's names (a rule is checked against them at publish time), or 'any' where the set is not
 * known in advance (the scorer, re-reading a rule set that was checked when published): an
 * unknown name is then a feature, missing (NaN) in a row that lacks it.
 */
export interface RuleCatalogue {
  features: readonly string[] | 'any';
  /** Name of that feature set (fs-v2), for messages and backtests. */
  featureSet: string | null;
  /** The rule set's named lists and their element types. */
  lists: Readonly<Record<string, 'string' | 'number'>>;
}

export type Resolved =
  | { kind: 'field'; name: string; type: ValueType }
  | { kind: 'attribute'; key: string; type: 'string' }
  | { kind: 'feature'; name: string; type: 'number' }
  | { kind: 'score'; type: 'number' };

/**
 * Fields first (`amount` is a field even where the feature set has an `amount`), then score,
 * attributes.X, features.
 */
export function resolveName(name: string, c: RuleCatalogue): Resolved | null {
  const field = TRANSACTION_FIELDS[name];
  if (field !== undefined) return { kind: 'field', name, type: field };
  if (name === 'score') return { kind: 'score', type: 'number' };
  if (name.startsWith('attributes.')) {
    const key = name.slice('attributes.'.length);
    return key.length > 0 && !key.includes('.') ? { kind: 'attribute', key, type: 'string' } : null;
  }
  if (name.includes('.')) return null;
  if (c.features === 'any' || c.features.includes(name)) return { kind: 'feature', name, type: 'number' };
  return null;
}

/** Every name the catalogue knows (for "did you mean"). */
export function knownNames(c: RuleCatalogue): string[] {
  return [...Object.keys(TRANSACTION_FIELDS), 'score', ...(c.features === 'any' ? [] : c.features)];
}

/** The closest known name within edit distance 2, if any. */
export function suggest(name: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const n of names) {
    const d = distance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
