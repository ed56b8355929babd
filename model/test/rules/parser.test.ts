import { describe, expect, it } from 'vitest';
import type { Expr } from '../../src/rules/ast.ts';
import { parseExpression, ParseError } from '../../src/rules/parser.ts';

/** The tree as a compact s-expression, positions left out. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return String(e.value);
    case 'str':
      return JSON.stringify(e.value);
    case 'bool':
      return String(e.value);
    case 'ident':
      return e.name;
    case 'call':
      return `(${e.fn} ${sx(e.arg)})`;
    case 'neg':
      return `(neg ${sx(e.operand)})`;
    case 'not':
      return `(not ${sx(e.operand)})`;
    case 'arith':
    case 'compare':
    case 'logic':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'startsWith':
      return `(startsWith ${sx(e.left)} ${sx(e.right)})`;
    case 'in': {
      const list = e.list.kind === 'named' ? e.list.name : `[${e.list.items.map(sx).join(' ')}]`;
      return `(${e.negated ? 'not-in' : 'in'} ${sx(e.left)} ${list})`;
    }
  }
}
const p = (src: string): string => sx(parseExpression(src));

function errorAt(src: string): { line: number; column: number; message: string } {
  try {
    parseExpression(src);
  } catch (err: unknown) {
    if (err instanceof ParseError) return { ...err.pos, message: err.message };
    throw err;
  }
  throw new Error(`parsed: ${src}`);
}

describe('rule parser: every operator', () => {
  it.each([
    ['amount = 5', '(= amount 5)'],
    ['amount == 5', '(= amount 5)'],
    ['amount != 5', '(!= amount 5)'],
    ['amount <> 5', '(!= amount 5)'],
    ['amount < 5', '(< amount 5)'],
    ['amount <= 5', '(<= amount 5)'],
    ['amount > 5', '(> amount 5)'],
    ['amount >= 5', '(>= amount 5)'],
    ['amount + 1 > 2', '(> (+ amount 1) 2)'],
    ['amount - 1 > 2', '(> (- amount 1) 2)'],
    ['amount * 2 > 2', '(> (* amount 2) 2)'],
    ['amount / 2 > 2', '(> (/ amount 2) 2)'],
    ['-amount < 0', '(< (neg amount) 0)'],
    ['type = "TRANSFER"', '(= type "TRANSFER")'],
    ["country = 'NG'", '(= country "NG")'],
    ['destAccount startsWith "M"', '(startsWith destAccount "M")'],
    ['country in ("NG", "GH")', '(in country ["NG" "GH"])'],
    ['merchantCategory not in ("5967")', '(not-in merchantCategory ["5967"])'],
    ['amount in (1, -2, 3.5)', '(in amount [1 -2 3.5])'],
    ['destAccount in mules', '(in destAccount mules)'],
    ['hour_of_day(eventTime) < 6', '(< (hour_of_day eventTime) 6)'],
    ['day_of_week(eventTime) >= 6', '(>= (day_of_week eventTime) 6)'],
    ['attributes.campaign = "x"', '(= attributes.campaign "x")'],
    ['true', 'true'],
    ['not false', '(not false)'],
    ['amount > 500_000', '(> amount 500000)'],
    ['score >= 0.75', '(>= score 0.75)'],
    ['"a\\"b" = deviceId', '(= "a\\"b" deviceId)'],
  ])('%s', (src, tree) => {
    expect(p(src)).toBe(tree);
  });

  it('keywords in any case', () => {
    expect(p('amount > 1 AND NOT country IN ("NG") Or score > 0.5')).toBe(
      '(or (and (> amount 1) (not (in country ["NG"]))) (> score 0.5))',
    );
  });
});

describe('rule parser: precedence and grouping', () => {
  it('* and / bind tighter than + and -, both left-associative', () => {
    expect(p('1 + 2 * 3 - 4 / 2 > 0')).toBe('(> (- (+ 1 (* 2 3)) (/ 4 2)) 0)');
    expect(p('8 - 2 - 1 > 0')).toBe('(> (- (- 8 2) 1) 0)');
    expect(p('8 / 2 / 2 > 0')).toBe('(> (/ (/ 8 2) 2) 0)');
  });
  it('arithmetic binds tighter than comparison; comparison than not; not than and; and than or', () => {
    expect(p('a > 1 or b > 2 and not c > 3')).toBe('(or (> a 1) (and (> b 2) (not (> c 3))))');
    expect(p('not a > 1 and b > 2')).toBe('(and (not (> a 1)) (> b 2))');
  });
  it('parentheses override', () => {
    expect(p('(a > 1 or b > 2) and c > 3')).toBe('(and (or (> a 1) (> b 2)) (> c 3))');
    expect(p('(1 + 2) * 3 > 0')).toBe('(> (* (+ 1 2) 3) 0)');
    expect(p('- (a - b) > 0')).toBe('(> (neg (- a b)) 0)');
  });
  it('reads several lines', () => {
    expect(p('type = "TRANSFER"\n  and amount > 5')).toBe('(and (= type "TRANSFER") (> amount 5))');
  });
});

describe('rule parser: errors name the position and what was expected', () => {
  it.each([
    ['amount >', 1, 9, "expected a field, a number, a string or '(', found the end of the rule"],
    ['amount > 5 and', 1, 15, 'found the end of the rule'],
    ['(amount > 5', 1, 12, "expected ')' to close the parenthesis"],
    ['amount > 5 country = "x"', 1, 12, 'missing and/or?'],
    ['1 < amount < 5', 1, 12, 'comparisons do not chain'],
    ['country in NG GH', 1, 15, 'expected and, or or the end of the rule'],
    ['country in ("NG", )', 1, 19, 'expected a number or a string in the list'],
    ['country in ("NG"', 1, 17, "expected ')' to close the list"],
    ['country = "NG', 1, 11, 'unterminated string'],
    ['amount > 5 # x', 1, 12, "unexpected character '#'"],
    ['amount > 5_', 1, 10, 'malformed number'],
    ['sqrt(amount) > 1', 1, 1, "unknown function 'sqrt'"],
    ['amount > 5 and and', 1, 16, "found the keyword 'and'"],
    ['type = "TRANSFER"\nand amount >', 2, 13, 'found the end of the rule'],
    ['type = "TRANSFER"\n  and (amount > 1 or)', 2, 21, "found ')'"],
  ])('%j', (src, line, column, message) => {
    const e = errorAt(src);
    expect({ line: e.line, column: e.column }).toEqual({ line, column });
    expect(e.message).toContain(message);
  });
});
