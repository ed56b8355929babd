import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '@fraud/common';
import { catalogueOf, compileRuleSet, toSql, validateRuleSet, type ParsedRuleSet } from '@fraud/model/rules';
import type { ScoredTransaction } from '@fraud/schemas';
import {
  mulberry32,
  randomExpression,
  randomPayment,
  TEST_FEATURES,
  TEST_LISTS,
  type RandomPayment,
} from '../../model/test/rules/random.ts';
import { createServiceServer, type ServiceServer } from '../src/http/service-server.ts';
import { createBacktestRouter } from '../src/warehouse/backtest-api.ts';
import { LABELS_TABLE, SCORED_TABLE } from '../src/warehouse/columns.ts';
import { duckdbDialect, renderSql } from '../src/warehouse/dialect.ts';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { labelRow, scoredRow } from '../src/warehouse/rows.ts';
import type { WarehouseStore } from '../src/warehouse/store.ts';
import { labelRecord } from './fixtures.ts';

/**
 * The SQL compiler against the evaluator: random rules over random stored decisions give the same
 * hits in DuckDB as in the scorer's evaluator; and the backtest API's counts match a count in JS.
 */
const N = 400;
const features = { features: TEST_FEATURES, featureSet: 'fs-test' };
const payments = ((r) => Array.from({ length: N }, (_, i) => randomPayment(r, i)))(mulberry32(7));
const fraud = (i: number): boolean | null => (i % 3 === 0 ? null : i % 5 === 0);

function scored(p: RandomPayment, i: number): ScoredTransaction {
  return {
    transaction: p.payment,
    featureSet: 'fs-test',
    features: p.features,
    score: p.score,
    decision: p.score > 0.8 ? 'BLOCK' : p.score > 0.6 ? 'REVIEW' : 'APPROVE',
    reviewThreshold: 0.6,
    blockThreshold: 0.8,
    modelVersion: 'm-1',
    reasons: [],
    rulesFired: [],
    shadow: null,
    scoredAt: p.payment.eventTime + i,
    source: null,
  };
}

describe('rule SQL in DuckDB agrees with the evaluator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-duck-'));
  let store: WarehouseStore;
  let http: ServiceServer;
  let base = '';

  beforeAll(async () => {
    store = await createDuckDbStore({ path: join(dir, 'w.duckdb') });
    await store.init();
    await store.upsert(
      SCORED_TABLE,
      payments.map((p, i) => scoredRow(scored(p, i), { partition: 0, offset: i })),
    );
    const labels = payments.flatMap((p, i) => {
      const f = fraud(i);
      return f === null ? [] : [labelRow(labelRecord('x', i, f, { txId: p.payment.txId }))];
    });
    await store.upsert(LABELS_TABLE, labels);
    http = createServiceServer({ registry: new Registry(), port: 0, healthy: () => true, name: 'test' });
    http.app.use(createBacktestRouter({ store, logger: createLogger('bt', 'silent') }));
    base = `http://127.0.0.1:${await http.listen()}`;
  });
  afterAll(async () => {
    await http?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hitsInJs = (set: ParsedRuleSet): Set<string> => {
    const [rule] = compileRuleSet(set, features, TEST_FEATURES);
    return new Set(payments.filter((p) => rule!.test(p)).map((p) => p.payment.txId));
  };

  it('on 150 random rules, the same payments hit', async () => {
    const r = mulberry32(23);
    for (let k = 0; k < 150; k++) {
      const expression = randomExpression(r);
      const set = validateRuleSet({ rules: [{ name: 'r', expression, action: 'TAG' }], lists: TEST_LISTS }, features);
      const where = toSql(set.rules[0]!.expr, {
        dialect: 'duckdb',
        catalogue: catalogueOf(set, features),
        featureNames: TEST_FEATURES,
        lists: set.lists,
      });
      const rows = await store.query(
        renderSql(`SELECT s.txId FROM {scored} s WHERE ${where.sql}`, duckdbDialect),
        where.params,
      );
      const inSql = new Set(rows.map((row) => String(row.txId)));
      expect([...inSql].sort(), expression).toEqual([...hitsInJs(set)].sort());
    }
  });

  it('the backtest API counts hits, amount, fraud caught, false positives, unlabelled, model overlap', async () => {
    const ruleSet = {
      rules: [
        { name: 'big', expression: 'amount > 1500 and f_flag >= 1', action: 'BLOCK' },
        { name: 'mule', expression: 'destAccount in mules', action: 'REVIEW' },
        { name: 'off', expression: 'true', action: 'BLOCK', enabled: false },
      ],
      lists: TEST_LISTS,
    };
    const window = { from: Date.UTC(2026, 0, 3), to: Date.UTC(2026, 0, 10) };
    const res = await fetch(`${base}/api/backtest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ruleSet, ...window, examples: 3, featureSet: 'fs-test', featureNames: TEST_FEATURES }),
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      payments: number;
      rules: { rule: string; payments: number }[];
      any: Record<string, number>;
      examples: { txId: string }[];
    };
    const set = validateRuleSet(ruleSet, features);
    const rules = compileRuleSet(set, features, TEST_FEATURES);
    const inWindow = payments
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => p.payment.eventTime >= window.from && p.payment.eventTime < window.to);
    const hits = inWindow.filter(({ p }) => rules.some((rule) => rule.test(p)));
    expect(report.payments).toBe(inWindow.length);
    expect(report.rules.map((x) => x.rule)).toEqual(['big', 'mule']);
    expect(report.any).toEqual({
      rule: '(any)',
      payments: hits.length,
      amount: hits.reduce((s, { p }) => s + p.payment.amount, 0),
      fraudCaught: hits.filter(({ i }) => fraud(i) === true).length,
      falsePositives: hits.filter(({ i }) => fraud(i) === false).length,
      unlabelled: hits.filter(({ i }) => fraud(i) === null).length,
      modelFlagged: hits.filter(({ p }) => p.score > 0.6).length,
    });
    expect(hits.length).toBeGreaterThan(10);
    expect(report.examples).toHaveLength(3);
    expect(hits.map(({ p }) => p.payment.txId)).toEqual(expect.arrayContaining(report.examples.map((e) => e.txId)));
  });

  it('refuses a rule that does not check, with its position', async () => {
    const res = await fetch(`${base}/api/backtest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ruleSet: { rules: [{ name: 'x', expression: 'amount > 1 and amout < 2', action: 'BLOCK' }] },
        from: 0,
        to: Date.UTC(2027, 0, 1),
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; problems: unknown[] };
    expect(body.error).toBe('RULE_INVALID');
    expect(body.problems).toEqual([expect.objectContaining({ rule: 'x', line: 1, column: 16 })]);
  });
});
