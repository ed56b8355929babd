import type { Transaction, TransactionType } from '@fraud/schemas';
import { parseMoney, RowError } from './fields.ts';
import type { FieldTarget, MappableField } from './mapping.ts';

/**
 * The record a row is mapped into. Every row starts from the same literal (one object shape, so
 * the per-row setters stay fast on millions of rows); a field no column or constant fills stays
 * undefined, as in a record its publisher left it out of (the PaySim mapping so builds exactly the
 * records the PaySim reader does).
 */
export type Draft = Transaction;

export function newDraft(): Draft {
  return {
    txId: '',
    eventTime: 0,
    type: 'OTHER',
    typeName: undefined,
    amount: 0,
    currency: 'USD',
    originAccount: '',
    originBalanceBefore: undefined,
    destAccount: '',
    destBalanceBefore: undefined,
    channel: null,
    merchantId: undefined,
    merchantCategory: undefined,
    terminalId: undefined,
    country: undefined,
    deviceId: undefined,
    attributes: {},
  };
}

export type Setter = (tx: Draft, value: string) => void;

export interface SetterContext {
  /** Column name (or `$.constants.<field>`) for reasons. */
  column: string;
  /** Minor units per major unit, or null when money is already in minor units. */
  minorPerMajor: number | null;
  parseType(value: string, column: string): { type: TransactionType; typeName: string | null };
}

type OptionalText = 'typeName' | 'channel' | 'merchantId' | 'merchantCategory' | 'terminalId' | 'country' | 'deviceId';

/** Optional text fields: an empty cell is null (unknown). Literal property names keep each setter monomorphic. */
function textSetter(f: OptionalText): Setter {
  switch (f) {
    case 'typeName':
      return (tx, v) => void (tx.typeName = v === '' ? null : v);
    case 'channel':
      return (tx, v) => void (tx.channel = v === '' ? null : v);
    case 'merchantId':
      return (tx, v) => void (tx.merchantId = v === '' ? null : v);
    case 'merchantCategory':
      return (tx, v) => void (tx.merchantCategory = v === '' ? null : v);
    case 'terminalId':
      return (tx, v) => void (tx.terminalId = v === '' ? null : v);
    case 'country':
      return (tx, v) => void (tx.country = v === '' ? null : v);
    case 'deviceId':
      return (tx, v) => void (tx.deviceId = v === '' ? null : v);
  }
}

/** The setter of one field, chosen once per mapping: per row only the value is parsed. */
export function fieldSetter(field: FieldTarget, ctx: SetterContext): Setter {
  const { column, minorPerMajor } = ctx;
  if (field.startsWith('attributes.')) {
    const key = field.slice('attributes.'.length);
    return (tx, v) => {
      if (v !== '') tx.attributes[key] = v;
    };
  }
  const money = (v: string): number => parseMoney(v, column, minorPerMajor);
  const f = field as MappableField;
  switch (f) {
    case 'amount':
      return (tx, v) => {
        const minor = money(v);
        if (minor < 0) throw new RowError(`${column}: ${JSON.stringify(v)} is negative`);
        tx.amount = minor;
      };
    case 'originBalanceBefore':
      return (tx, v) => void (tx.originBalanceBefore = v === '' ? null : money(v));
    case 'destBalanceBefore':
      return (tx, v) => void (tx.destBalanceBefore = v === '' ? null : money(v));
    case 'originAccount':
      return (tx, v) => {
        if (v === '') throw new RowError(`${column}: empty account name`);
        tx.originAccount = v;
      };
    case 'destAccount':
      return (tx, v) => {
        if (v === '') throw new RowError(`${column}: empty account name`);
        tx.destAccount = v;
      };
    case 'currency':
      return (tx, v) => void (tx.currency = v === '' ? 'USD' : v);
    case 'type':
      return (tx, v) => {
        // typeName is set only for OTHER, so a PaySim row is the same record the PaySim reader makes.
        const t = ctx.parseType(v, column);
        tx.type = t.type;
        if (t.typeName !== null) tx.typeName = t.typeName;
      };
    default:
      return textSetter(f);
  }
}
