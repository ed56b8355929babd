import { describe, expect, it } from 'vitest';
import { problemsOf, validateRuleSet, type RuleProblem } from '../../src/rules/index.ts';

const features = { features: ['orig_new_payee', 'dest_in_count_1h', 'amount'], featureSet: 'fs-test' };
const set = (expression: string, extra: Record<string, unknown> = {}) => ({
  rules: [{ name: 'r', expression, action: 'BLOCK' }],
  lists: { mules: ['C1', 'C2'], mccs: [5967, 7995] },
  ...extra,
});

function problems(input: unknown): RuleProblem[] {
  try {
    validateRuleSet(input, features);
  } catch (err: unknown) {
    const p = problemsOf(err);
    if (p.length === 0) throw err;
    return p;
  }
  return [];
}
const one = (expression: string): RuleProblem => {
  const p = problems(set(expression));
  expect(p).toHaveLength(1);
  return p[0]!;
};

describe('rule type checker', () => {
  it.each([
    'type = "TRANSFER" and amount > 500_000 and orig_new_payee = 1',
    'destAccount in mules or not (country in ("NG", "GH"))',
    'merchantCategory startsWith "59" and score >= 0.5',
    'amount / (dest_in_count_1h + 1) > 100 and -amount < 0',
    'hour_of_day(eventTime) < 6 and day_of_week(eventTime) in (6, 7)',
    'attributes.campaign = "spring" or channel != "APP"',
    'currency = "USD" and originAccount != destAccount and deviceId = terminalId and merchantId = "m"',
    'amount in mccs',
  ])('accepts %s', (expression) => {
    expect(problems(set(expression))).toEqual([]);
  });

  it('refuses an unknown field with its position and a suggestion', () => {
    expect(one('type = "TRANSFER" and amout > 5')).toEqual({
      rule: 'r',
      line: 1,
      column: 23,
      message:
        "unknown field 'amout': expected a transaction field, attributes.NAME, score or a feature of fs-test; " +
        "did you mean 'amount'?",
    });
    expect(one('newbalanceOrig > 0').message).toContain("unknown field 'newbalanceOrig'");
    expect(one('attributes.a.b = "x"').message).toContain('unknown field');
  });

  it.each([
    ['amount > "5"', 8, "'>' compares numbers, found a number and a string"],
    ['country = 5', 9, "'=' compares two numbers or two strings, found a string and a number"],
    ['country < "NG"', 9, "'<' compares numbers"],
    ['amount + country > 1', 10, "expected a number on the right of '+', found a string"],
    ['amount and score > 1', 1, "expected a condition on the left of 'and', found a number"],
    ['not amount', 5, "expected a condition after 'not', found a number"],
    ['-country = "x"', 2, 'expected a number after unary -'],
    ['amount startsWith "1"', 1, "expected a string on the left of 'startsWith'"],
    ['amount in mules', 1, "'in' needs a string on its left"],
    ['country in ("NG", 5)', 19, 'a list holds one type'],
    ['country in lost', 12, "unknown list 'lost'"],
    ['mules = "x"', 1, "'mules' is a list"],
    ['hour_of_day(amount) > 1', 13, 'hour_of_day takes eventTime, found a number'],
    ['eventTime > 5', 11, "'>' compares numbers, found a time and a number"],
    ['amount + 1', 8, 'a rule is a condition'],
    ['type = "TRASFER"', 8, 'unknown transaction type "TRASFER"'],
    ['type in ("TRANSFER", "CASHOUT")', 22, 'unknown transaction type "CASHOUT"'],
  ])('refuses %s at column %i', (expression, column, message) => {
    const p = one(expression);
    expect(p.column).toBe(column);
    expect(p.message).toContain(message);
  });

  it('reports every problem of every rule, with line and column in each expression', () => {
    const p = problems({
      rules: [
        { name: 'a', expression: 'amount > 1 and\n  foo = 2', action: 'BLOCK' },
        { name: 'b', expression: 'score >', action: 'REVIEW' },
      ],
    });
    // Syntax errors come first: the set is not type-checked until it parses.
    expect(p).toEqual([{ rule: 'b', line: 1, column: 8, message: expect.stringContaining('found the end') }]);
    const q = problems({
      rules: [
        { name: 'a', expression: 'amount > 1 and\n  foo = 2', action: 'BLOCK' },
        { name: 'b', expression: 'bar > 1', action: 'TAG' },
      ],
    });
    expect(q.map((x) => [x.rule, x.line, x.column])).toEqual([
      ['a', 2, 3],
      ['b', 1, 1],
    ]);
  });

  it('refuses duplicate rule names, bad actions, lists named like a field', () => {
    expect(problems({ rules: [1, 2].map(() => ({ name: 'x', expression: 'score > 0.5', action: 'TAG' })) })).toEqual([
      { rule: 'x', line: 1, column: 1, message: 'two rules have this name' },
    ]);
    expect(problems({ rules: [{ name: 'x', expression: 'true', action: 'DENY' }] })[0]!.message).toContain(
      'rules.0.action',
    );
    expect(problems(set('true', { lists: { amount: [1] } }))[0]!.message).toContain("list 'amount'");
  });

  it('checks features against the catalogue given: a feature of another set is unknown', () => {
    expect(one('orig_count_1h > 3').message).toContain("unknown field 'orig_count_1h'");
  });
});
