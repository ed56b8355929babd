import type { Expr, ListRef, Pos } from './ast.ts';
import { knownNames, resolveName, suggest, TYPE_SYMBOLS, type RuleCatalogue, type ValueType } from './catalogue.ts';
import { problemAt, type RuleProblem } from './errors.ts';

/**
 * The type checker: every name resolves (unknown fields are refused, with a suggestion), every
 * operator gets the types it takes (numbers for arithmetic and order, numbers or strings for
 * = and !=, strings for startsWith, the list's element type for `in`), and the rule is a condition.
 * A string compared with `type` must be one of the TransactionType symbols.
 */
export function checkExpression(expr: Expr, c: RuleCatalogue, rule: string | null): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const report = (pos: Pos, message: string): void => void problems.push(problemAt(rule, pos, message));
  const t = typeOf(expr, c, report);
  if (t !== null && t !== 'bool') report(expr.pos, `a rule is a condition: expected a comparison, found a ${t}`);
  return problems;
}

type Report = (pos: Pos, message: string) => void;

/** The expression's type, or null when a problem below it was already reported. */
function typeOf(e: Expr, c: RuleCatalogue, report: Report): ValueType | null {
  switch (e.kind) {
    case 'num':
      return 'number';
    case 'str':
      return 'string';
    case 'bool':
      return 'bool';
    case 'ident':
      return identType(e.name, e.pos, c, report);
    case 'call': {
      const t = typeOf(e.arg, c, report);
      if (t !== null && t !== 'time') report(e.arg.pos, `${e.fn} takes eventTime, found a ${t}`);
      return 'number';
    }
    case 'neg':
      return expect(e.operand, 'number', 'after unary -', c, report) ? 'number' : null;
    case 'not':
      return expect(e.operand, 'bool', "after 'not'", c, report) ? 'bool' : null;
    case 'logic': {
      const l = expect(e.left, 'bool', `on the left of '${e.op}'`, c, report);
      const r = expect(e.right, 'bool', `on the right of '${e.op}'`, c, report);
      return l && r ? 'bool' : null;
    }
    case 'arith': {
      const l = expect(e.left, 'number', `on the left of '${e.op}'`, c, report);
      const r = expect(e.right, 'number', `on the right of '${e.op}'`, c, report);
      return l && r ? 'number' : null;
    }
    case 'startsWith': {
      const l = expect(e.left, 'string', "on the left of 'startsWith'", c, report);
      const r = expect(e.right, 'string', "on the right of 'startsWith'", c, report);
      return l && r ? 'bool' : null;
    }
    case 'compare':
      return compareType(e, c, report);
    case 'in':
      return inType(e.left, e.list, c, report);
  }
}

function identType(name: string, pos: Pos, c: RuleCatalogue, report: Report): ValueType | null {
  const r = resolveName(name, c);
  if (r !== null) return r.type;
  if (c.lists[name] !== undefined) {
    report(pos, `'${name}' is a list: use it after 'in' (x in ${name})`);
    return null;
  }
  const near = suggest(name, knownNames(c));
  const set = c.featureSet ?? 'the live feature set';
  report(
    pos,
    `unknown field '${name}': expected a transaction field, attributes.NAME, score or a feature of ${set}` +
      (near !== null ? `; did you mean '${near}'?` : ''),
  );
  return null;
}

/** Checks that `e` has type `want`; reports and returns false when it has another. */
function expect(e: Expr, want: ValueType, where: string, c: RuleCatalogue, report: Report): boolean {
  const t = typeOf(e, c, report);
  if (t === null) return false;
  if (t === want) return true;
  const what = want === 'bool' ? 'a condition' : `a ${want}`;
  report(e.pos, `expected ${what} ${where}, found a ${t === 'bool' ? 'condition' : t}`);
  return false;
}

function compareType(e: Extract<Expr, { kind: 'compare' }>, c: RuleCatalogue, report: Report): ValueType | null {
  const l = typeOf(e.left, c, report);
  const r = typeOf(e.right, c, report);
  if (l === null || r === null) return null;
  const ordered = e.op !== '=' && e.op !== '!=';
  if (ordered && (l !== 'number' || r !== 'number')) {
    report(e.pos, `'${e.op}' compares numbers, found a ${l} and a ${r}`);
    return null;
  }
  if (l !== r || (l !== 'number' && l !== 'string')) {
    report(e.pos, `'${e.op}' compares two numbers or two strings, found a ${l} and a ${r}`);
    return null;
  }
  checkTypeSymbol(e.left, e.right, report);
  checkTypeSymbol(e.right, e.left, report);
  return 'bool';
}

/** `type = "TRASNFER"` never matches: refuse a literal that is not a TransactionType symbol. */
function checkTypeSymbol(side: Expr, other: Expr, report: Report): void {
  if (side.kind !== 'ident' || side.name !== 'type' || other.kind !== 'str') return;
  if (TYPE_SYMBOLS.includes(other.value)) return;
  report(other.pos, `unknown transaction type "${other.value}": expected one of ${TYPE_SYMBOLS.join(', ')}`);
}

function inType(left: Expr, list: ListRef, c: RuleCatalogue, report: Report): ValueType | null {
  const l = typeOf(left, c, report);
  let elem: 'string' | 'number' | null;
  if (list.kind === 'named') {
    elem = c.lists[list.name] ?? null;
    if (elem === null) {
      const names = Object.keys(c.lists);
      report(
        list.pos,
        `unknown list '${list.name}': expected one of the rule set's lists (${names.join(', ') || 'none'})`,
      );
      return null;
    }
  } else {
    elem = list.items[0]!.kind === 'num' ? 'number' : 'string';
    const odd = list.items.find((i) => (i.kind === 'num' ? 'number' : 'string') !== elem);
    if (odd !== undefined) {
      report(odd.pos, `a list holds one type: expected a ${elem} like the first item`);
      return null;
    }
    if (left.kind === 'ident' && left.name === 'type') {
      for (const item of list.items) checkTypeSymbol(left, item, report);
    }
  }
  if (l === null) return null;
  if (l !== elem) {
    report(left.pos, `'in' needs a ${elem} on its left (the list holds ${elem}s), found a ${l}`);
    return null;
  }
  return 'bool';
}
