import type { Pos } from './ast.ts';

/**
 * Tokens of the rule language (grammar in docs/rules.md):
 *   number   digits with optional _ separators and decimals: 5000, 500_000, 0.75
 *   string   "..." or '...', backslash escapes \" \' \\ \n \t
 *   ident    a letter or _, then letters, digits, _; dotted segments for attributes.X
 *   op       = == != <> < <= > >= + - * / ( ) ,
 * Keywords (and or not in true false startsWith) are idents the parser recognises, in any case.
 */
export type Token =
  | { kind: 'num'; value: number; text: string; pos: Pos }
  | { kind: 'str'; value: string; text: string; pos: Pos }
  | { kind: 'ident'; text: string; pos: Pos }
  | { kind: 'op'; text: string; pos: Pos }
  | { kind: 'eof'; text: ''; pos: Pos };

/** A lexical error at a position; the parser turns it into a RuleProblem. */
export class LexError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(message);
  }
}

const OPS = ['==', '!=', '<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '(', ')', ','];
const NUMBER = /[0-9][0-9_]*(\.[0-9][0-9_]*)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_][A-Za-z0-9_]*)*/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', n: '\n', t: '\t' };

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const posAt = (at: number): Pos => ({ line, column: at - lineStart + 1 });
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const pos = posAt(i);
    if (c === '"' || c === "'") {
      const { value, end } = readString(src, i, pos);
      tokens.push({ kind: 'str', value, text: src.slice(i, end), pos });
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    if (num) {
      const text = num[0];
      if (text.endsWith('_') || text.includes('__') || text.includes('_.') || text.includes('._'))
        throw new LexError(pos, `malformed number '${text}': _ only between digits, as in 500_000`);
      tokens.push({ kind: 'num', value: Number(text.replaceAll('_', '')), text, pos });
      i += text.length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) throw new LexError(posAt(i), `expected an operator after the number ${text}`);
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(src);
    if (id) {
      tokens.push({ kind: 'ident', text: id[0], pos });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) {
      throw new LexError(pos, `unexpected character '${c}': expected a field, a number, a string or an operator`);
    }
    tokens.push({ kind: 'op', text: op, pos });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: posAt(i) });
  return tokens;
}

/** A quoted string from `start` (the quote): its value and the index after the closing quote. */
function readString(src: string, start: number, pos: Pos): { value: string; end: number } {
  const quote = src[start]!;
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === '\n') break;
    if (c === '\\') {
      const e = ESCAPES[src[i + 1] ?? ''];
      if (e === undefined) throw new LexError(pos, `unknown escape '\\${src[i + 1] ?? ''}' in a string`);
      value += e;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new LexError(pos, `unterminated string: expected a closing ${quote} on the same line`);
}
