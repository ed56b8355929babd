import type { CompareOp, Expr, ListRef, Literal, Pos, TimeFn } from './ast.ts';
import { TIME_FNS } from './ast.ts';
import { LexError, tokenize, type Token } from './lexer.ts';

/**
 * Recursive-descent parser of one rule expression (grammar in docs/rules.md), lowest precedence first:
 *   expr    := and ('or' and)*
 *   and     := unaryb ('and' unaryb)*
 *   unaryb  := 'not' unaryb | compare
 *   compare := sum [ cmpop sum | 'not'? 'in' list | 'startsWith' sum ]     (comparisons do not chain)
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/') unary)*
 *   unary   := '-' unary | primary
 *   primary := number | string | 'true' | 'false' | ident | fn '(' expr ')' | '(' expr ')'
 *   list    := '(' literal (',' literal)* ')' | ident
 * No eval, no Function: the tree is interpreted (evaluate.ts) or compiled to SQL (sql.ts).
 */
export class ParseError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(message);
  }
}

const COMPARE: Readonly<Record<string, CompareOp>> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'startswith']);

/** Parses one expression; throws ParseError (position and what was expected). */
export function parseExpression(src: string): Expr {
  let tokens: Token[];
  try {
    tokens = tokenize(src);
  } catch (err: unknown) {
    if (err instanceof LexError) throw new ParseError(err.pos, err.message);
    throw err;
  }
  const p = new Parser(tokens);
  const expr = p.expr();
  const t = p.peek();
  if (t.kind !== 'eof') {
    const hint = t.kind === 'ident' || t.kind === 'num' || t.kind === 'str' ? ' (missing and/or?)' : '';
    throw new ParseError(t.pos, `expected and, or or the end of the rule, found ${describe(t)}${hint}`);
  }
  return expr;
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'the end of the rule' : `'${t.text}'`;
}

const kw = (t: Token, word: string): boolean => t.kind === 'ident' && t.text.toLowerCase() === word;

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private expectOp(text: string, after: string): Token {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text)
      throw new ParseError(t.pos, `expected '${text}' ${after}, found ${describe(t)}`);
    return t;
  }

  expr(): Expr {
    let left = this.and();
    while (kw(this.peek(), 'or')) {
      const pos = this.next().pos;
      left = { kind: 'logic', op: 'or', left, right: this.and(), pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.unaryBool();
    while (kw(this.peek(), 'and')) {
      const pos = this.next().pos;
      left = { kind: 'logic', op: 'and', left, right: this.unaryBool(), pos };
    }
    return left;
  }

  private unaryBool(): Expr {
    if (kw(this.peek(), 'not')) {
      const pos = this.next().pos;
      return { kind: 'not', operand: this.unaryBool(), pos };
    }
    return this.compare();
  }

  private compare(): Expr {
    const left = this.sum();
    const t = this.peek();
    let out: Expr = left;
    if (t.kind === 'op' && COMPARE[t.text] !== undefined) {
      this.next();
      out = { kind: 'compare', op: COMPARE[t.text]!, left, right: this.sum(), pos: t.pos };
    } else if (kw(t, 'in') || (kw(t, 'not') && kw(this.tokens[this.i + 1]!, 'in'))) {
      const negated = kw(t, 'not');
      if (negated) this.next();
      this.next();
      out = { kind: 'in', negated, left, list: this.list(), pos: t.pos };
    } else if (kw(t, 'startswith')) {
      this.next();
      out = { kind: 'startsWith', left, right: this.sum(), pos: t.pos };
    }
    const after = this.peek();
    if (out !== left && after.kind === 'op' && COMPARE[after.text] !== undefined) {
      throw new ParseError(after.pos, `comparisons do not chain: expected and/or before '${after.text}'`);
    }
    return out;
  }

  private list(): ListRef {
    const t = this.next();
    if (t.kind === 'ident' && !KEYWORDS.has(t.text.toLowerCase())) return { kind: 'named', name: t.text, pos: t.pos };
    if (t.kind !== 'op' || t.text !== '(') {
      throw new ParseError(t.pos, `expected a list after 'in': ("a", "b") or a list name, found ${describe(t)}`);
    }
    const items: Literal[] = [this.literal()];
    while (this.isOp(',')) {
      this.next();
      items.push(this.literal());
    }
    this.expectOp(')', 'to close the list');
    return { kind: 'literals', items, pos: t.pos };
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'str') return { kind: 'str', value: t.value, pos: t.pos };
    if (t.kind === 'num') return { kind: 'num', value: t.value, pos: t.pos };
    if (t.kind === 'op' && t.text === '-' && this.peek().kind === 'num') {
      const n = this.next() as Extract<Token, { kind: 'num' }>;
      return { kind: 'num', value: -n.value, pos: t.pos };
    }
    throw new ParseError(t.pos, `expected a number or a string in the list, found ${describe(t)}`);
  }

  private sum(): Expr {
    let left = this.product();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = { kind: 'arith', op: t.text as '+' | '-', left, right: this.product(), pos: t.pos };
    }
    return left;
  }

  private product(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/')) {
      const t = this.next();
      left = { kind: 'arith', op: t.text as '*' | '/', left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      const pos = this.next().pos;
      return { kind: 'neg', operand: this.unary(), pos };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === 'num') return { kind: 'num', value: t.value, pos: t.pos };
    if (t.kind === 'str') return { kind: 'str', value: t.value, pos: t.pos };
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.expr();
      this.expectOp(')', 'to close the parenthesis');
      return inner;
    }
    if (t.kind === 'ident') return this.identOrCall(t);
    throw new ParseError(t.pos, `expected a field, a number, a string or '(', found ${describe(t)}`);
  }

  private identOrCall(t: Extract<Token, { kind: 'ident' }>): Expr {
    const lower = t.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'bool', value: lower === 'true', pos: t.pos };
    if (KEYWORDS.has(lower)) {
      throw new ParseError(t.pos, `expected a field, a number, a string or '(', found the keyword '${t.text}'`);
    }
    if (!this.isOp('(')) return { kind: 'ident', name: t.text, pos: t.pos };
    if (!(TIME_FNS as readonly string[]).includes(t.text)) {
      throw new ParseError(t.pos, `unknown function '${t.text}': expected ${TIME_FNS.join(' or ')}`);
    }
    this.next();
    const arg = this.expr();
    this.expectOp(')', `to close ${t.text}(`);
    return { kind: 'call', fn: t.text as TimeFn, arg, pos: t.pos };
  }
}
