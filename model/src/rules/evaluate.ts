import type { Transaction } from '@fraud/schemas';
import type { CompareOp, Expr, ListRef } from './ast.ts';
import { resolveName, type RuleCatalogue } from './catalogue.ts';

/**
 * What a rule sees of one payment: the transaction, its feature row as scored (in `featureNames`
 * order, NaN = missing) and the model's score.
 */
export interface RuleInput {
  payment: Transaction;
  features: ArrayLike<number>;
  score: number;
}

export type Predicate = (x: RuleInput) => boolean;
type Num = (x: RuleInput) => number;
type Str = (x: RuleInput) => string | null;

/** How names bind: the row's feature order and the rule set's lists. */
export interface Binding {
  featureNames: readonly string[];
  lists: Readonly<Record<string, readonly (string | number)[]>>;
}

/**
 * Semantics (the SQL compiler implements the same, sql.ts):
 * - a missing value is a null string (country, attributes.X) or NaN (a missing feature,
 *   a division by zero); arithmetic on NaN gives NaN;
 * - a comparison, `in`, `not in` or `startsWith` with a missing operand is false (so `not (x = 1)`
 *   is true when x is missing);
 * - hour_of_day (0-23) and day_of_week (1 = Monday .. 7 = Sunday) read eventTime in UTC.
 * The expression must have passed checkExpression: a type mismatch here is a bug, thrown.
 */
export function compilePredicate(e: Expr, c: RuleCatalogue, b: Binding): Predicate {
  return new Compiler(c, b).bool(e);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const mod = (a: number, n: number): number => ((a % n) + n) % n;
export const hourOfDay = (ms: number): number => Math.floor(mod(ms, DAY_MS) / HOUR_MS);
/** ISO day of week: 1970-01-01 (epoch day 0) was a Thursday (4). */
export const dayOfWeek = (ms: number): number => mod(Math.floor(ms / DAY_MS) + 3, 7) + 1;

/**
 * One closure per operator, and per constant right side (the usual `amount > 500_000`), so each
 * comparison is a direct, monomorphic call. NaN (missing) compares false under every operator,
 * != included.
 */
function numCompare(op: CompareOp, l: Num, r: Num, constant: number | null): Predicate {
  if (constant !== null) {
    const k = constant;
    switch (op) {
      case '=':
        return (x) => l(x) === k;
      case '!=': {
        return (x) => {
          const a = l(x);
          return a === a && a !== k;
        };
      }
      case '<':
        return (x) => l(x) < k;
      case '<=':
        return (x) => l(x) <= k;
      case '>':
        return (x) => l(x) > k;
      case '>=':
        return (x) => l(x) >= k;
    }
  }
  switch (op) {
    case '=':
      return (x) => l(x) === r(x);
    case '!=':
      return (x) => {
        const a = l(x);
        const b = r(x);
        return a === a && b === b && a !== b;
      };
    case '<':
      return (x) => l(x) < r(x);
    case '<=':
      return (x) => l(x) <= r(x);
    case '>':
      return (x) => l(x) > r(x);
    case '>=':
      return (x) => l(x) >= r(x);
  }
}

type StringField =
  | 'type'
  | 'currency'
  | 'originAccount'
  | 'destAccount'
  | 'merchantId'
  | 'merchantCategory'
  | 'terminalId'
  | 'country'
  | 'deviceId'
  | 'channel';
/** A direct property read per field (a computed key would make every read a megamorphic lookup). */
const STRING_FIELDS: Readonly<Record<StringField, Str>> = {
  type: (x) => x.payment.type,
  currency: (x) => x.payment.currency,
  originAccount: (x) => x.payment.originAccount,
  destAccount: (x) => x.payment.destAccount,
  merchantId: (x) => x.payment.merchantId ?? null,
  merchantCategory: (x) => x.payment.merchantCategory ?? null,
  terminalId: (x) => x.payment.terminalId ?? null,
  country: (x) => x.payment.country ?? null,
  deviceId: (x) => x.payment.deviceId ?? null,
  channel: (x) => x.payment.channel ?? null,
};

class Compiler {
  constructor(
    private readonly c: RuleCatalogue,
    private readonly b: Binding,
  ) {}

  bool(e: Expr): Predicate {
    switch (e.kind) {
      case 'bool': {
        const v = e.value;
        return () => v;
      }
      case 'not': {
        const f = this.bool(e.operand);
        return (x) => !f(x);
      }
      case 'logic': {
        const l = this.bool(e.left);
        const r = this.bool(e.right);
        return e.op === 'and' ? (x) => l(x) && r(x) : (x) => l(x) || r(x);
      }
      case 'compare':
        return this.compare(e.op, e.left, e.right);
      case 'startsWith': {
        const l = this.str(e.left);
        const r = this.str(e.right);
        return (x) => {
          const a = l(x);
          const p = r(x);
          return a !== null && p !== null && a.startsWith(p);
        };
      }
      case 'in':
        return this.in(e.left, e.list, e.negated);
      default:
        throw new Error(`rule compiler: ${e.kind} is not a condition (unchecked expression?)`);
    }
  }

  private compare(op: CompareOp, left: Expr, right: Expr): Predicate {
    if (this.isString(left)) {
      const l = this.str(left);
      const r = this.str(right);
      const eq = op === '=';
      return (x) => {
        const a = l(x);
        const b = r(x);
        return a !== null && b !== null && (a === b) === eq;
      };
    }
    const constant =
      right.kind === 'num'
        ? right.value
        : right.kind === 'neg' && right.operand.kind === 'num'
          ? -right.operand.value
          : null;
    return numCompare(op, this.num(left), this.num(right), constant);
  }

  private in(left: Expr, list: ListRef, negated: boolean): Predicate {
    const values = list.kind === 'named' ? (this.b.lists[list.name] ?? []) : list.items.map((i) => i.value);
    const set = new Set<string | number>(values);
    if (this.isString(left)) {
      const l = this.str(left);
      return (x) => {
        const a = l(x);
        return a !== null && set.has(a) !== negated;
      };
    }
    const l = this.num(left);
    return (x) => {
      const a = l(x);
      return a === a && set.has(a) !== negated;
    };
  }

  private isString(e: Expr): boolean {
    if (e.kind === 'str') return true;
    if (e.kind !== 'ident') return false;
    const r = resolveName(e.name, this.c);
    return r !== null && r.type === 'string';
  }

  num(e: Expr): Num {
    switch (e.kind) {
      case 'num': {
        const v = e.value;
        return () => v;
      }
      case 'neg': {
        const f = this.num(e.operand);
        return (x) => -f(x);
      }
      case 'arith':
        return this.arith(e.op, this.num(e.left), this.num(e.right));
      case 'call': {
        const fn = e.fn === 'hour_of_day' ? hourOfDay : dayOfWeek;
        return (x) => fn(x.payment.eventTime);
      }
      case 'ident':
        return this.numName(e.name);
      default:
        throw new Error(`rule compiler: ${e.kind} is not a number (unchecked expression?)`);
    }
  }

  private arith(op: string, l: Num, r: Num): Num {
    if (op === '+') return (x) => l(x) + r(x);
    if (op === '-') return (x) => l(x) - r(x);
    if (op === '*') return (x) => l(x) * r(x);
    // Division by zero is missing (SQL: NULLIF / SAFE_DIVIDE), never Infinity.
    return (x) => {
      const d = r(x);
      return d === 0 ? NaN : l(x) / d;
    };
  }

  private numName(name: string): Num {
    const r = resolveName(name, this.c);
    if (r?.kind === 'score') return (x) => x.score;
    if (r?.kind === 'field' && name === 'amount') return (x) => x.payment.amount;
    if (r?.kind === 'feature') {
      const i = this.b.featureNames.indexOf(name);
      // A feature the scored row lacks (another feature set) is missing.
      if (i < 0) return () => NaN;
      return (x) => {
        const v = x.features[i];
        return v === undefined ? NaN : v;
      };
    }
    throw new Error(`rule compiler: '${name}' is not a number (unchecked expression?)`);
  }

  str(e: Expr): Str {
    if (e.kind === 'str') {
      const v = e.value;
      return () => v;
    }
    if (e.kind !== 'ident') throw new Error(`rule compiler: ${e.kind} is not a string (unchecked expression?)`);
    const r = resolveName(e.name, this.c);
    if (r?.kind === 'attribute') {
      const key = r.key;
      return (x) => x.payment.attributes?.[key] ?? null;
    }
    if (r?.kind === 'field' && r.type === 'string') {
      const read = STRING_FIELDS[r.name as StringField];
      if (read !== undefined) return read;
    }
    throw new Error(`rule compiler: '${e.name}' is not a string (unchecked expression?)`);
  }
}
