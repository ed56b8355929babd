import type { Transaction } from '@fraud/schemas';

/** Reads one string field of a transaction: null when absent (never a feature value by itself). */
export type StringGetter = (tx: Transaction) => string | null;
/** Reads one numeric field: NaN when absent or unknown (null balance, non-numeric attribute). */
export type NumberGetter = (tx: Transaction) => number;

const NUMERIC_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export function stringGetter(field: string): StringGetter {
  if (field.startsWith('attributes.')) {
    const key = field.slice('attributes.'.length);
    return (tx) => tx.attributes[key] ?? null;
  }
  const f = field as keyof Transaction;
  return (tx) => {
    const v = tx[f];
    return typeof v === 'string' ? v : null;
  };
}

export function numberGetter(field: string): NumberGetter {
  if (field === 'amount') return (tx) => tx.amount;
  if (field.startsWith('attributes.')) {
    const key = field.slice('attributes.'.length);
    return (tx) => {
      const v = tx.attributes[key];
      return v !== undefined && NUMERIC_TEXT.test(v) ? Number(v) : NaN;
    };
  }
  const f = field as 'originBalanceBefore' | 'destBalanceBefore';
  return (tx) => tx[f] ?? NaN;
}
