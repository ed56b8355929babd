import type { FeatureCatalogue, ParsedRuleSet } from './rule-set.ts';
import { catalogueOf } from './rule-set.ts';
import { toSql, usesFeatures, type SqlDialect } from './sql.ts';

/**
 * A backtest asks the warehouse how a draft rule set would have fired over a window of stored
 * decisions (their transactions, the features as scored, the score and, where known, the label).
 * `query` runs one statement of the warehouse template language (sinks/src/warehouse/dialect.ts:
 * {scored}, {labels}, {ts(@p)}, {ms(col)}, @param) and returns its rows: DuckDB and BigQuery
 * answer the same statements, `dialect` switches the few functions that differ.
 */
export type WarehouseQuery = (
  template: string,
  params: Record<string, string | number>,
) => Promise<Record<string, unknown>[]>;

export interface BacktestWindow {
  /** eventTime bounds, epoch ms, [from, to). */
  from: number;
  to: number;
}

export interface BacktestOptions {
  dialect: SqlDialect;
  features: FeatureCatalogue;
  /** The stored vector order of `features.featureSet` (rules reading features keep its rows only). */
  featureNames: readonly string[];
  /** How many example payments to return (default 10). */
  examples?: number;
}

export interface RuleHits {
  /** A rule's name, or "(any)" for the rule set: any enabled rule fired. */
  rule: string;
  payments: number;
  amount: number;
  /** Hits labelled fraud. */
  fraudCaught: number;
  /** Hits labelled not fraud. */
  falsePositives: number;
  unlabelled: number;
  /** Hits the model already flagged (stored decision REVIEW or BLOCK). */
  modelFlagged: number;
}

export interface BacktestReport {
  window: BacktestWindow;
  /** Stored decisions in the window (of the feature set, when a rule reads features). */
  payments: number;
  amount: number;
  labelledFraud: number;
  featureSet: string | null;
  rules: RuleHits[];
  any: RuleHits;
  examples: Record<string, unknown>[];
  elapsedMs: number;
}

export const ANY_RULE = '(any)';

/** The enabled rules' conditions compiled for one dialect, and the shared WHERE clause. */
function compileConditions(set: ParsedRuleSet, o: BacktestOptions) {
  const catalogue = catalogueOf(set, o.features);
  const params: Record<string, string | number> = {};
  const sqlParams: Record<string, string> = {};
  const enabled = set.rules.filter((r) => r.enabled);
  const conditions = enabled.map((r) => ({
    name: r.name,
    sql: toSql(r.expr, {
      dialect: o.dialect,
      catalogue,
      featureNames: o.featureNames,
      lists: set.lists,
      params: sqlParams,
    }).sql,
  }));
  Object.assign(params, sqlParams);
  const byFeatures = enabled.some((r) => usesFeatures(r.expr, catalogue)) && o.features.featureSet !== null;
  let where = 's.eventTime >= {ts(@from)} AND s.eventTime < {ts(@to)}';
  if (byFeatures) {
    where += ' AND s.featureSet = @featureSet';
    params.featureSet = o.features.featureSet!;
  }
  return { conditions, params, where, featureSet: byFeatures ? o.features.featureSet : null };
}

/** The six counts of one condition over the per-row columns of the inner query (hitsOf reads them). */
const hitColumns = (cond: string, i: number | 'any'): string =>
  [
    `SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END) AS h_${i}`,
    `SUM(CASE WHEN ${cond} THEN amount ELSE 0 END) AS a_${i}`,
    `SUM(CASE WHEN ${cond} AND isFraud THEN 1 ELSE 0 END) AS f_${i}`,
    `SUM(CASE WHEN ${cond} AND NOT isFraud THEN 1 ELSE 0 END) AS n_${i}`,
    `SUM(CASE WHEN ${cond} AND labelTxId IS NULL THEN 1 ELSE 0 END) AS u_${i}`,
    `SUM(CASE WHEN ${cond} AND decision <> 'APPROVE' THEN 1 ELSE 0 END) AS m_${i}`,
  ].join(',\n  ');

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function hitsOf(row: Record<string, unknown>, rule: string, i: number | 'any'): RuleHits {
  return {
    rule,
    payments: num(row[`h_${i}`]),
    amount: num(row[`a_${i}`]),
    fraudCaught: num(row[`f_${i}`]),
    falsePositives: num(row[`n_${i}`]),
    unlabelled: num(row[`u_${i}`]),
    modelFlagged: num(row[`m_${i}`]),
  };
}

/**
 * Runs the rule set over the window: one aggregate statement (each rule's condition computed once
 * per row in an inner query, then every rule and "any" counted in one scan) and one for the
 * examples (hits, labelled fraud first, newest first).
 */
export async function backtest(
  query: WarehouseQuery,
  window: BacktestWindow,
  set: ParsedRuleSet,
  o: BacktestOptions,
): Promise<BacktestReport> {
  const started = performance.now();
  const { conditions, params, where, featureSet } = compileConditions(set, o);
  const any = conditions.length > 0 ? `(${conditions.map((c) => c.sql).join(' OR ')})` : 'FALSE';
  const bound = { ...params, from: window.from, to: window.to };
  const flags = conditions.map((c, i) => `${c.sql} AS c_${i}`);
  const anyFlag = conditions.length > 0 ? `(${conditions.map((_, i) => `c_${i}`).join(' OR ')})` : 'FALSE';
  const cols = [...conditions.map((_, i) => hitColumns(`c_${i}`, i)), hitColumns(anyFlag, 'any')].join(',\n  ');
  const aggregate = `SELECT COUNT(*) AS total, SUM(amount) AS totalAmount,
  SUM(CASE WHEN isFraud THEN 1 ELSE 0 END) AS fraud,
  ${cols}
FROM (SELECT s.amount, s.decision, l.isFraud, l.txId AS labelTxId${flags.map((f) => `,\n  ${f}`).join('')}
  FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
  WHERE ${where}) hits`;
  const examplesSql = `SELECT s.txId, {ms(s.eventTime)} AS eventTime, s.type, s.amount, s.originAccount, s.destAccount,
  s.score, s.decision, l.isFraud
FROM {scored} s LEFT JOIN {labels} l ON l.txId = s.txId
WHERE ${where} AND ${any}
ORDER BY CASE WHEN l.isFraud THEN 0 ELSE 1 END, s.eventTime DESC, s.txId
LIMIT ${Math.max(0, Math.min(o.examples ?? 10, 1000))}`;
  const [rows, examples] = await Promise.all([query(aggregate, bound), query(examplesSql, bound)]);
  const row = rows[0] ?? {};
  return {
    window,
    payments: num(row.total),
    amount: num(row.totalAmount),
    labelledFraud: num(row.fraud),
    featureSet,
    rules: conditions.map((c, i) => hitsOf(row, c.name, i)),
    any: hitsOf(row, ANY_RULE, 'any'),
    examples,
    elapsedMs: Math.round(performance.now() - started),
  };
}
