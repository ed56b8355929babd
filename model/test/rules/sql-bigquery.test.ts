import { describe, expect, it } from 'vitest';
import { catalogueOf, toSql, validateRuleSet } from '../../src/rules/index.ts';
import { mulberry32, randomExpression, TEST_FEATURES, TEST_LISTS } from './random.ts';

/**
 * BigQuery cannot be reached from here, so the BigQuery dialect of the backtest SQL is held to its
 * contract as text: the DuckDB dialect is run against a real DuckDB (sinks/test/rules-backtest),
 * and this checks that the BigQuery rendering of the same rules uses only BigQuery's functions,
 * binds every string as a named parameter, and maps DAYOFWEEK to the ISO day the evaluator uses.
 */
const features = { features: TEST_FEATURES, featureSet: 'fs-test' };
const DUCKDB_ONLY = [/\bstarts_with\(/, /\bisodow\(/, /\bhour\(/, /json_extract_string/, /DOUBLE\b/, /\[\d+\]/, /::/];

function compile(expression: string) {
  const set = validateRuleSet({ rules: [{ name: 'r', expression, action: 'TAG' }], lists: TEST_LISTS }, features);
  return toSql(set.rules[0]!.expr, {
    dialect: 'bigquery',
    catalogue: catalogueOf(set, features),
    featureNames: TEST_FEATURES,
    lists: set.lists,
  });
}

describe('rule SQL, BigQuery dialect', () => {
  it('uses BigQuery functions, SAFE_OFFSET for features and named parameters for strings', () => {
    const { sql, params } = compile(
      'destAccount startsWith "M" and f_ratio / amount > 2 and day_of_week(eventTime) >= 6 ' +
        'and hour_of_day(eventTime) < 5 and destAccount in mules and attributes.channel = "web"',
    );
    expect(sql).toContain('STARTS_WITH(s.destAccount, @rule_0)');
    expect(sql).toContain('SAFE_DIVIDE(');
    expect(sql).toContain(`s.features[SAFE_OFFSET(${TEST_FEATURES.indexOf('f_ratio')})]`);
    expect(sql).toContain('EXTRACT(HOUR FROM s.eventTime)');
    expect(sql).toContain('MOD(EXTRACT(DAYOFWEEK FROM s.eventTime) + 5, 7) + 1');
    expect(sql).toContain('UNNEST(JSON_VALUE_ARRAY(@rule_1))');
    expect(sql).toContain(`JSON_VALUE(s.attributes, '$."channel"')`);
    expect(params).toEqual({ rule_0: 'M', rule_1: JSON.stringify(TEST_LISTS.mules), rule_2: 'web' });
    for (const pattern of DUCKDB_ONLY) expect(sql).not.toMatch(pattern);
  });

  it('on 200 random rules: no DuckDB-only syntax, no string literal spliced into the SQL', () => {
    const r = mulberry32(7);
    for (let k = 0; k < 200; k++) {
      const { sql, params } = compile(randomExpression(r));
      for (const pattern of DUCKDB_ONLY) expect(sql, sql).not.toMatch(pattern);
      expect(sql.replace(/'\$\."[^"]*"'/g, '')).not.toContain("'"); // the only quoted text is a JSON path
      for (const name of Object.keys(params)) expect(sql).toContain(`@${name}`);
    }
  });

  it('DAYOFWEEK (1 = Sunday .. 7 = Saturday) becomes the ISO day (1 = Monday .. 7 = Sunday)', () => {
    const iso = (bq: number) => ((bq + 5) % 7) + 1;
    // 2026-11-29 is a Sunday: BigQuery's DAYOFWEEK of day i is i + 1
    for (let i = 0; i < 7; i++) {
      const jsIso = ((new Date(Date.UTC(2026, 10, 29 + i)).getUTCDay() + 6) % 7) + 1;
      expect(iso(i + 1)).toBe(jsIso);
    }
  });
});
