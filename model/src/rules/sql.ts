import type { CompareOp, Expr, ListRef } from './ast.ts';
import { resolveName, type RuleCatalogue } from './catalogue.ts';

/**
 * Compiles a checked rule expression to a SQL condition over the warehouse's `scored` table
 * (alias `s`, columns as in sinks/src/warehouse/columns.ts), for backtests. The output is in
 * the warehouse's template language (sinks/src/warehouse/dialect.ts): string literals are bound
 * parameters `@rule_0, @rule_1, ...` (returned in `params`), so no text of the rule is spliced
 * into SQL; numbers are printed as DOUBLE literals.
 * Same semantics as evaluate.ts: numbers are DOUBLE (a feature is read as the FLOAT it was stored
 * as, widened), a missing value is NULL, and every comparison, `in` and `startsWith` is wrapped in
 * COALESCE(..., FALSE) so a missing operand makes it false and `not` is two-valued.
 */
export type SqlDialect = 'duckdb' | 'bigquery';

export interface SqlOptions {
  dialect: SqlDialect;
  catalogue: RuleCatalogue;
  /** Order of the stored feature vectors (`s.features`) for the backtest's feature set. */
  featureNames: readonly string[];
  lists: Readonly<Record<string, readonly (string | number)[]>>;
  /** Parameter names start with this (default "rule_"); shared across calls through `params`. */
  params?: Record<string, string>;
}

export interface CompiledSql {
  sql: string;
  params: Record<string, string>;
}

const OPS: Readonly<Record<CompareOp, string>> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

export function toSql(e: Expr, o: SqlOptions): CompiledSql {
  const params = o.params ?? {};
  const c = new SqlCompiler(o, params);
  return { sql: c.expr(e), params };
}

class SqlCompiler {
  private readonly bq: boolean;
  constructor(
    private readonly o: SqlOptions,
    private readonly params: Record<string, string>,
  ) {
    this.bq = o.dialect === 'bigquery';
  }

  private double(x: string): string {
    return `CAST(${x} AS ${this.bq ? 'FLOAT64' : 'DOUBLE'})`;
  }

  private bind(value: string): string {
    const name = `rule_${Object.keys(this.params).length}`;
    this.params[name] = value;
    return `@${name}`;
  }

  private num(v: number): string {
    return this.double(Number.isInteger(v) && Math.abs(v) < 1e15 ? v.toFixed(1) : String(v));
  }

  private pred(sql: string): string {
    return `COALESCE(${sql}, FALSE)`;
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'num':
        return this.num(e.value);
      case 'str':
        return this.bind(e.value);
      case 'bool':
        return e.value ? 'TRUE' : 'FALSE';
      case 'ident':
        return this.name(e.name);
      case 'call':
        return this.time(e.fn);
      case 'neg':
        return `(-${this.expr(e.operand)})`;
      case 'not':
        return `(NOT ${this.expr(e.operand)})`;
      case 'logic':
        return `(${this.expr(e.left)} ${e.op.toUpperCase()} ${this.expr(e.right)})`;
      case 'arith': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (e.op !== '/') return `(${l} ${e.op} ${r})`;
        return this.bq ? `SAFE_DIVIDE(${l}, ${r})` : `(${l} / NULLIF(${r}, 0))`;
      }
      case 'compare':
        return this.pred(`(${this.expr(e.left)} ${OPS[e.op]} ${this.expr(e.right)})`);
      case 'startsWith':
        return this.pred(`${this.bq ? 'STARTS_WITH' : 'starts_with'}(${this.expr(e.left)}, ${this.expr(e.right)})`);
      case 'in':
        return this.in(e.left, e.list, e.negated);
    }
  }

  private in(left: Expr, list: ListRef, negated: boolean): string {
    const l = this.expr(left);
    if (list.kind === 'named') return this.pred(`(${l} ${negated ? 'NOT IN' : 'IN'} (${this.namedList(list.name)}))`);
    const values = list.items.map((i) => i.value);
    if (values.length === 0) return negated ? `(${l} IS NOT NULL)` : 'FALSE';
    const items = values.map((v) => (typeof v === 'number' ? this.num(v) : this.bind(v))).join(', ');
    return this.pred(`(${l} ${negated ? 'NOT IN' : 'IN'} (${items}))`);
  }

  /**
   * A named list (up to 100,000 values) is one bound parameter, a JSON array, unnested in a
   * subquery: the database plans it as a hash semi-join instead of comparing each row with every value.
   */
  private namedList(name: string): string {
    const values = this.o.lists[name] ?? [];
    const p = this.bind(JSON.stringify(values));
    const numbers = typeof values[0] === 'number';
    if (this.bq) {
      return numbers
        ? `SELECT CAST(v AS FLOAT64) FROM UNNEST(JSON_VALUE_ARRAY(${p})) AS v`
        : `SELECT v FROM UNNEST(JSON_VALUE_ARRAY(${p})) AS v`;
    }
    return `SELECT unnest(CAST(CAST(${p} AS JSON) AS ${numbers ? 'DOUBLE[]' : 'VARCHAR[]'}))`;
  }

  private time(fn: 'hour_of_day' | 'day_of_week'): string {
    if (fn === 'hour_of_day') return this.double(this.bq ? 'EXTRACT(HOUR FROM s.eventTime)' : 'hour(s.eventTime)');
    // ISO: 1 = Monday .. 7 = Sunday (BigQuery's DAYOFWEEK is 1 = Sunday .. 7 = Saturday).
    return this.double(this.bq ? 'MOD(EXTRACT(DAYOFWEEK FROM s.eventTime) + 5, 7) + 1' : 'isodow(s.eventTime)');
  }

  private name(name: string): string {
    const r = resolveName(name, this.o.catalogue);
    if (r === null) throw new Error(`rule SQL compiler: unknown name '${name}' (unchecked expression?)`);
    switch (r.kind) {
      case 'score':
        return this.double('s.score');
      case 'field':
        // eventTime appears only inside hour_of_day/day_of_week, compiled above.
        return r.type === 'number' ? this.double(`s.${r.name}`) : `s.${r.name}`;
      case 'attribute':
        return `${this.bq ? 'JSON_VALUE' : 'json_extract_string'}(s.attributes, '$."${r.key}"')`;
      case 'feature': {
        const i = this.o.featureNames.indexOf(r.name);
        if (i < 0) return this.double('NULL');
        return this.double(this.bq ? `s.features[SAFE_OFFSET(${i})]` : `s.features[${i + 1}]`);
      }
    }
  }
}

/** Whether the expression reads any feature (a backtest then keeps the rows of one feature set). */
export function usesFeatures(e: Expr, c: RuleCatalogue): boolean {
  switch (e.kind) {
    case 'ident':
      return resolveName(e.name, c)?.kind === 'feature';
    case 'call':
      return usesFeatures(e.arg, c);
    case 'neg':
    case 'not':
      return usesFeatures(e.operand, c);
    case 'arith':
    case 'compare':
    case 'logic':
    case 'startsWith':
      return usesFeatures(e.left, c) || usesFeatures(e.right, c);
    case 'in':
      return usesFeatures(e.left, c);
    default:
      return false;
  }
}
