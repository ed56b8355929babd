import { describe, expect, it } from 'vitest';
import type { Expr } from '../../src/rules/ast.ts';
import { TRANSACTION_FIELDS } from '../../src/rules/catalogue.ts';
import {
  compileRuleSet,
  dayOfWeek,
  evaluateRules,
  hourOfDay,
  validateRuleSet,
  type RuleInput,
} from '../../src/rules/index.ts';
import { mulberry32, randomExpression, randomPayment, TEST_FEATURES, TEST_LISTS } from './random.ts';

/**
 * A second evaluator, written straight from docs/rules.md: walk the tree, null for a missing
 * value, a comparison/in/startsWith with a null operand is false.
 */
type V = number | string | boolean | null;
function reference(e: Expr, x: RuleInput): V {
  const n = (v: V): number | null => (typeof v === 'number' && !Number.isNaN(v) ? v : null);
  switch (e.kind) {
    case 'num':
    case 'str':
    case 'bool':
      return e.value;
    case 'ident': {
      if (e.name === 'score') return x.score;
      if (e.name.startsWith('attributes.')) return x.payment.attributes?.[e.name.slice(11)] ?? null;
      if (e.name in TRANSACTION_FIELDS) return (x.payment as unknown as Record<string, V>)[e.name] ?? null;
      const i = (TEST_FEATURES as readonly string[]).indexOf(e.name);
      return n(x.features[i] ?? null);
    }
    case 'call':
      return e.fn === 'hour_of_day'
        ? new Date(x.payment.eventTime).getUTCHours()
        : ((new Date(x.payment.eventTime).getUTCDay() + 6) % 7) + 1;
    case 'neg': {
      const v = n(reference(e.operand, x));
      return v === null ? null : -v;
    }
    case 'not':
      return !reference(e.operand, x);
    case 'logic':
      return e.op === 'and'
        ? Boolean(reference(e.left, x)) && Boolean(reference(e.right, x))
        : Boolean(reference(e.left, x)) || Boolean(reference(e.right, x));
    case 'arith': {
      const a = n(reference(e.left, x));
      const b = n(reference(e.right, x));
      if (a === null || b === null) return null;
      if (e.op === '/') return b === 0 ? null : a / b;
      return e.op === '+' ? a + b : e.op === '-' ? a - b : a * b;
    }
    case 'compare': {
      const a = reference(e.left, x);
      const b = reference(e.right, x);
      if (a === null || b === null || Number.isNaN(a) || Number.isNaN(b)) return false;
      if (e.op === '=') return a === b;
      if (e.op === '!=') return a !== b;
      if (e.op === '<') return a < b;
      if (e.op === '<=') return a <= b;
      if (e.op === '>') return a > b;
      return a >= b;
    }
    case 'startsWith': {
      const a = reference(e.left, x);
      const b = reference(e.right, x);
      return typeof a === 'string' && typeof b === 'string' && a.slice(0, b.length) === b;
    }
    case 'in': {
      const a = reference(e.left, x);
      if (a === null || Number.isNaN(a)) return false;
      const items =
        e.list.kind === 'named' ? (TEST_LISTS as Record<string, V[]>)[e.list.name]! : e.list.items.map((i) => i.value);
      return items.includes(a) !== e.negated;
    }
  }
}

const features = { features: TEST_FEATURES, featureSet: 'fs-test' };

describe('rule evaluator', () => {
  it('agrees with the reference evaluator on random rules and random payments', () => {
    const r = mulberry32(19);
    const payments = Array.from({ length: 200 }, (_, i) => randomPayment(r, i));
    let fired = 0;
    for (let k = 0; k < 300; k++) {
      const expression = randomExpression(r);
      const set = validateRuleSet({ rules: [{ name: 'r', expression, action: 'TAG' }], lists: TEST_LISTS }, features);
      const [rule] = compileRuleSet(set, features, TEST_FEATURES);
      for (const p of payments) {
        const got = rule!.test(p);
        expect(got, `${expression} on ${JSON.stringify(p)}`).toBe(Boolean(reference(set.rules[0]!.expr, p)));
        if (got) fired++;
      }
    }
    // Both outcomes occur often enough for the agreement to mean something.
    expect(fired).toBeGreaterThan(300 * 200 * 0.1);
    expect(fired).toBeLessThan(300 * 200 * 0.9);
  });

  it('reads time in UTC: hour 0-23, ISO day of week (Monday 1 .. Sunday 7)', () => {
    const monday = Date.UTC(2026, 10, 30, 23, 59);
    expect([hourOfDay(monday), dayOfWeek(monday)]).toEqual([23, 1]);
    expect(dayOfWeek(Date.UTC(2026, 11, 6, 12))).toBe(7);
    expect(dayOfWeek(0)).toBe(4);
    expect(hourOfDay(Date.UTC(1969, 11, 31, 22))).toBe(22);
  });

  it('orders by priority, then APPROVE > BLOCK > REVIEW > TAG; lists every fired rule; skips disabled ones', () => {
    const set = validateRuleSet(
      {
        rules: [
          { name: 'tag-all', expression: 'true', action: 'TAG', priority: 100 },
          { name: 'review', expression: 'amount > 10', action: 'REVIEW', priority: 5 },
          { name: 'block', expression: 'amount > 10', action: 'BLOCK', priority: 5 },
          { name: 'vip', expression: 'originAccount = "VIP"', action: 'APPROVE', priority: 5 },
          { name: 'off', expression: 'true', action: 'BLOCK', priority: 1000, enabled: false },
        ],
      },
      features,
    );
    const rules = compileRuleSet(set, features, TEST_FEATURES);
    const payment = { ...randomPayment(mulberry32(1), 0).payment, amount: 50, originAccount: 'C1' };
    const x = { payment, features: [0, 0, 0], score: 0.1 };
    expect(evaluateRules(rules, x)).toEqual({
      fired: ['tag-all', 'block', 'review'],
      decidedBy: { name: 'block', action: 'BLOCK' },
    });
    expect(evaluateRules(rules, { ...x, payment: { ...payment, originAccount: 'VIP' } })).toEqual({
      fired: ['tag-all', 'vip', 'block', 'review'],
      decidedBy: { name: 'vip', action: 'APPROVE' },
    });
    expect(evaluateRules(rules, { ...x, payment: { ...payment, amount: 1 } })).toEqual({
      fired: ['tag-all'],
      decidedBy: null,
    });
  });

  it('a feature the scored row lacks reads as missing', () => {
    const set = validateRuleSet({ rules: [{ name: 'r', expression: 'not (f_flag = 1)', action: 'TAG' }] }, features);
    const [rule] = compileRuleSet(set, features, ['f_count']);
    expect(rule!.test({ ...randomPayment(mulberry32(2), 0), features: [1] })).toBe(true);
    const [eq] = compileRuleSet(
      validateRuleSet({ rules: [{ name: 'r', expression: 'f_flag != 1', action: 'TAG' }] }, features),
      features,
      ['f_count'],
    );
    expect(eq!.test({ ...randomPayment(mulberry32(2), 0), features: [1] })).toBe(false);
  });
});
