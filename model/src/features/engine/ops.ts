import type { Transaction } from '@fraud/schemas';
import type { FeatureDef } from '../spec/schema.ts';
import type { ResolvedBounds } from '../spec/validate.ts';
import { numberGetter, stringGetter } from './fields.ts';
import {
  aggSlot,
  COUNT,
  DISTINCT,
  filterBit,
  FRAUD,
  LABELLED,
  MAX,
  numCol,
  prevSlot,
  setSlot,
  strCol,
  SUM,
  SUMSQ,
  windowMsOf,
  type EntityPlan,
} from './plan.ts';
import type { EntityScan } from './scan.ts';
import { maskAt, numAt, strAt, timeAt } from './events.ts';

/** One output column: its value for a transaction at t, from the row's entity scans. */
export type Evaluator = (tx: Transaction, t: number) => number;

export interface OpContext {
  entity: (id: string) => EntityPlan;
  frequency: (field: string) => { values: EntityPlan; all: EntityPlan };
  scan: (plan: EntityPlan) => EntityScan;
  bounds: ResolvedBounds;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const hourOfDay = (t: number): number => Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
/** 0 = Monday ... 6 = Sunday (UTC); 1970-01-01 was a Thursday. */
export const dayOfWeek = (t: number): number => (((Math.floor(t / DAY_MS) + 3) % 7) + 7) % 7;

/** A flag derived from a value that may be unknown: NaN when it is. */
const known = (x: number, flag: boolean): number => (Number.isNaN(x) ? NaN : flag ? 1 : 0);

/** The transaction-only operations (no history). */
function txOp(f: FeatureDef): Evaluator[] | null {
  switch (f.op) {
    case 'field': {
      const g = numberGetter(f.field);
      return [f.transform === 'log1p' ? (tx) => Math.log1p(g(tx)) : g];
    }
    case 'oneHot': {
      const g = stringGetter(f.field);
      return f.values.map((v) => (tx: Transaction) => (g(tx) === v ? 1 : 0));
    }
    case 'prefix': {
      const g = stringGetter(f.field);
      const p = f.prefix;
      return [(tx) => (g(tx)?.startsWith(p) === true ? 1 : 0)];
    }
    case 'hourOfDay':
      return [(_tx, t) => hourOfDay(t)];
    case 'dayOfWeek':
      return [(_tx, t) => dayOfWeek(t)];
    case 'weekend':
      return [(_tx, t) => (dayOfWeek(t) >= 5 ? 1 : 0)];
    case 'night': {
      const from = f.from ?? 22;
      const to = f.to ?? 6;
      const wraps = from > to;
      return [
        (_tx, t) => {
          const h = hourOfDay(t);
          return (wraps ? h >= from || h < to : h >= from && h < to) ? 1 : 0;
        },
      ];
    }
    default:
      return balanceOp(f);
  }
}

function balanceOp(f: FeatureDef): Evaluator[] | null {
  if (!('balance' in f) || f.op === 'balanceGap') return null;
  const b = numberGetter(f.balance);
  switch (f.op) {
    case 'amountToBalance':
      return [
        (tx) => {
          const x = b(tx);
          return x === 0 ? NaN : tx.amount / x;
        },
      ];
    case 'amountEqualsBalance':
      return [
        (tx) => {
          const x = b(tx);
          return known(x, tx.amount === x);
        },
      ];
    case 'emptiesAccount':
      return [
        (tx) => {
          const x = b(tx);
          return known(x, tx.amount >= x);
        },
      ];
    case 'amountMinusBalance':
      return [(tx) => tx.amount - b(tx)];
    case 'balanceZero':
      return [
        (tx) => {
          const x = b(tx);
          return known(x, x === 0);
        },
      ];
  }
}

/** Compiles one feature into its evaluators (oneHot: one per value), registering what it reads. */
export function compileOp(f: FeatureDef, ctx: OpContext): Evaluator[] {
  const plain = txOp(f);
  if (plain !== null) return plain;
  if (f.op === 'frequency') return [frequencyOp(f.field, windowMsOf(f), ctx)];
  const e = ctx.entity((f as { entity: string }).entity);
  const scan = ctx.scan(e);
  return [e.isOrigin ? originOp(f, e, scan) : viewOp(f, e, scan, ctx.bounds)];
}

function frequencyOp(field: string, w: number, ctx: OpContext): Evaluator {
  const { values, all } = ctx.frequency(field);
  const v = aggSlot(values, COUNT, w, -1, 0);
  const a = aggSlot(all, COUNT, w, -1, 0);
  const sv = ctx.scan(values);
  const sa = ctx.scan(all);
  const g = stringGetter(field);
  return (tx) => {
    const total = sa.acc[a] as number;
    return g(tx) === null || total === 0 ? NaN : (sv.acc[v] as number) / total;
  };
}

/** The statistic of a windowed aggregate from its accumulators (count n, sum, sum of squares, max). */
function statistic(op: string, n: number, sum: number, sumsq: number, max: number): number {
  switch (op) {
    case 'count':
      return n;
    case 'sum':
      return sum;
    case 'mean':
      return n === 0 ? NaN : sum / n;
    case 'max':
      return n === 0 ? NaN : max;
    default: {
      if (n === 0) return NaN;
      const mean = sum / n;
      return Math.sqrt(Math.max(0, sumsq / n - mean * mean));
    }
  }
}

type Stat = 'count' | 'sum' | 'mean' | 'max' | 'std';

/** Accumulator slots of an aggregate feature: [count, sum, sumsq, max] (-1 = not needed). */
function statSlots(e: EntityPlan, op: Stat, w: number, col: number, bit: number): number[] {
  const need = (k: number, yes: boolean): number => (yes ? aggSlot(e, k, w, k === COUNT ? -1 : col, bit) : -1);
  return [
    need(COUNT, true),
    need(SUM, op === 'sum' || op === 'mean' || op === 'std'),
    need(SUMSQ, op === 'std'),
    need(MAX, op === 'max'),
  ];
}

const at = (arr: ArrayLike<number>, i: number): number => (i < 0 ? 0 : (arr[i] as number));

function aggregateOp(
  f: FeatureDef & { window: string },
  e: EntityPlan,
  scan: EntityScan,
  lifetime: boolean,
): Evaluator | null {
  const w = windowMsOf(f);
  const bit = filterBit(e, 'filter' in f ? f.filter : undefined);
  const of = 'of' in f && f.of !== undefined ? f.of : 'amount';
  /** Accumulator j: from this row's scan, or (lifetime) from the origin entry's running values. */
  const acc = (j: number): number => {
    if (j < 0) return 0;
    if (!lifetime) return scan.acc[j] as number;
    return scan.entry === undefined ? 0 : (scan.entry.vals[e.lifeAt + j] as number);
  };
  switch (f.op) {
    case 'count':
    case 'sum':
    case 'mean':
    case 'max':
    case 'std': {
      const op = f.op;
      const [n, s, q, m] = statSlots(e, op, w, numCol(e, of), bit) as [number, number, number, number];
      if (lifetime) {
        return () => {
          if (scan.entry === undefined) return op === 'count' || op === 'sum' ? 0 : NaN;
          return statistic(op, acc(n), acc(s), acc(q), acc(m));
        };
      }
      return () => statistic(op, at(scan.acc, n), at(scan.acc, s), at(scan.acc, q), at(scan.acc, m));
    }
    case 'amountToMean': {
      const g = numberGetter(of);
      const [n, s] = statSlots(e, 'mean', w, numCol(e, of), bit) as [number, number];
      return (tx) => {
        const count = acc(n);
        const sum = acc(s);
        return count === 0 || sum <= 0 ? NaN : g(tx) / (sum / count);
      };
    }
    case 'distinct': {
      const col = strCol(e, f.of);
      if (lifetime) {
        const k = setSlot(e, col);
        return () => scan.entry?.sets[k]?.size ?? 0;
      }
      const j = aggSlot(e, DISTINCT, w, col, bit);
      return () => scan.acc[j] as number;
    }
    case 'fraudCount':
    case 'fraudRate': {
      if (e.isOrigin) e.keepTxIds = true;
      const l = aggSlot(e, LABELLED, w, -1, 0);
      const fr = aggSlot(e, FRAUD, w, -1, 0);
      if (f.op === 'fraudCount') return () => scan.acc[fr] as number;
      return () => {
        const n = scan.acc[l] as number;
        return n === 0 ? NaN : (scan.acc[fr] as number) / n;
      };
    }
    default:
      return null;
  }
}

/** Features of the origin (partition key): windows from its kept events, the rest from its entry. */
function originOp(f: FeatureDef, e: EntityPlan, scan: EntityScan): Evaluator {
  if ('window' in f) return aggregateOp(f, e, scan, f.window === 'all') as Evaluator;
  switch (f.op) {
    case 'secondsSincePrevious': {
      const k = prevSlot(e, filterBit(e, f.filter));
      return (_tx, t) => (scan.entry === undefined ? NaN : (t - (scan.entry.vals[k] as number)) / 1000);
    }
    case 'isNew': {
      const col = strCol(e, f.of);
      const k = setSlot(e, col);
      const g = stringGetter(f.of);
      return (tx) => {
        const v = g(tx);
        if (v === null) return NaN;
        return scan.entry !== undefined && (scan.entry.sets[k] as Set<string>).has(v) ? 0 : 1;
      };
    }
    case 'changed': {
      const col = strCol(e, f.of);
      const g = stringGetter(f.of);
      e.needsLastStr = true;
      return (tx) => {
        const v = g(tx);
        const p = scan.entry?.lastStr[col] ?? null;
        return v === null || p === null ? NaN : v === p ? 0 : 1;
      };
    }
    case 'balanceGap': {
      const bal = numCol(e, f.balance);
      const amt = numCol(e, 'amount');
      const bit = f.reverseTypes === undefined ? 0 : filterBit(e, { field: 'type', in: f.reverseTypes });
      const dir = f.direction === 'out' ? -1 : 1;
      const g = numberGetter(f.balance);
      return (tx) => {
        const o = scan.entry;
        if (o === undefined) return NaN;
        const sign = bit !== 0 && (o.lastMask & bit) === bit ? -dir : dir;
        return g(tx) - ((o.vals[e.lastNumAt + bal] as number) + sign * (o.vals[e.lastNumAt + amt] as number));
      };
    }
    default:
      throw new RangeError(`operation ${f.op} cannot read an entity`);
  }
}

/** Features of a shared view entity: events strictly before t, within the retention and the cap. */
function viewOp(f: FeatureDef, e: EntityPlan, scan: EntityScan, bounds: ResolvedBounds): Evaluator {
  if ('window' in f) return aggregateOp(f, e, scan, false) as Evaluator;
  const retention = bounds.retentionMs;
  switch (f.op) {
    case 'secondsSincePrevious': {
      const bit = filterBit(e, f.filter);
      return (_tx, t) => {
        const d = scan.events;
        if (d === null || scan.prev < 0) return NaN;
        for (let i = scan.prev; i >= scan.start; i--) {
          const s = timeAt(d, i);
          if (t - s > retention) break;
          if ((maskAt(d, i) & bit) === bit) return (t - s) / 1000;
        }
        return NaN;
      };
    }
    case 'isNew': {
      const col = strCol(e, f.of);
      const g = stringGetter(f.of);
      return (tx, t) => {
        const v = g(tx);
        if (v === null) return NaN;
        const d = scan.events;
        if (d === null || scan.prev < 0) return 1;
        for (let i = scan.prev; i >= scan.start; i--) {
          if (t - timeAt(d, i) > retention) break;
          if (strAt(d, i, col) === v) return 0;
        }
        return 1;
      };
    }
    case 'changed': {
      const col = strCol(e, f.of);
      const g = stringGetter(f.of);
      return (tx) => {
        const v = g(tx);
        const d = scan.events;
        const p = d === null || scan.prev < 0 ? null : strAt(d, scan.prev, col);
        return v === null || p === null ? NaN : v === p ? 0 : 1;
      };
    }
    case 'balanceGap': {
      const bal = numCol(e, f.balance);
      const amt = numCol(e, 'amount');
      const bit = f.reverseTypes === undefined ? 0 : filterBit(e, { field: 'type', in: f.reverseTypes });
      const dir = f.direction === 'out' ? -1 : 1;
      const g = numberGetter(f.balance);
      return (tx) => {
        const d = scan.events;
        if (d === null || scan.prev < 0) return NaN;
        const p = scan.prev;
        const sign = bit !== 0 && (maskAt(d, p) & bit) === bit ? -dir : dir;
        return g(tx) - (numAt(d, p, bal) + sign * numAt(d, p, amt));
      };
    }
    default:
      throw new RangeError(`operation ${f.op} cannot read an entity`);
  }
}
