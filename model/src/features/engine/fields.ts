import type { Transaction } from '@fraud/schemas';

/** Reads one string field of a transaction: null when absent (never a feature value by itself). */
export type StringGetter = (tx: Transaction) => string | null;
/** Reads one numeric field: NaN when absent or unknown (null balance, non-numeric attribute). */
export type NumberGetter = (tx: Transaction) => number;

const NUMERIC_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * One function literal per field, each with a literal property access: a shared `tx[field]`
 * would make V8's inline cache megamorphic and every read slow.
 */
export function stringGetter(field: string): StringGetter {
  switch (field) {
    case 'originAccount':
      return (tx) => tx.originAccount;
    case 'destAccount':
      return (tx) => tx.destAccount;
    case 'type':
      return (tx) => tx.type;
    case 'typeName':
      return (tx) => tx.typeName ?? null;
    case 'currency':
      return (tx) => tx.currency;
    case 'channel':
      return (tx) => tx.channel ?? null;
    case 'merchantId':
      return (tx) => tx.merchantId ?? null;
    case 'merchantCategory':
      return (tx) => tx.merchantCategory ?? null;
    case 'terminalId':
      return (tx) => tx.terminalId ?? null;
    case 'country':
      return (tx) => tx.country ?? null;
    case 'deviceId':
      return (tx) => tx.deviceId ?? null;
  }
  if (!field.startsWith('attributes.')) throw new RangeError(`${field} is not a string field`);
  const key = field.slice('attributes.'.length);
  return (tx) => tx.attributes[key] ?? null;
}

export function numberGetter(field: string): NumberGetter {
  switch (field) {
    case 'amount':
      return (tx) => tx.amount;
    case 'originBalanceBefore':
      return (tx) => tx.originBalanceBefore ?? NaN;
    case 'destBalanceBefore':
      return (tx) => tx.destBalanceBefore ?? NaN;
  }
  if (!field.startsWith('attributes.')) throw new RangeError(`${field} is not a numeric field`);
  const key = field.slice('attributes.'.length);
  return (tx) => {
    const v = tx.attributes[key];
    return v !== undefined && NUMERIC_TEXT.test(v) ? Number(v) : NaN;
  };
}
