/**
 * The rule language's syntax tree. Every node carries the position of its first character
 * (1-based line and column), so the type checker and the compilers report where a problem is.
 */
export interface Pos {
  line: number;
  column: number;
}

export type ArithOp = '+' | '-' | '*' | '/';
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type TimeFn = 'hour_of_day' | 'day_of_week';
export const TIME_FNS: readonly TimeFn[] = ['hour_of_day', 'day_of_week'];

export type Literal = { kind: 'num'; value: number; pos: Pos } | { kind: 'str'; value: string; pos: Pos };

export type Expr =
  | Literal
  | { kind: 'bool'; value: boolean; pos: Pos }
  /** A field, a feature, `score`, `attributes.X` or (only after `in`) a named list. */
  | { kind: 'ident'; name: string; pos: Pos }
  | { kind: 'call'; fn: TimeFn; arg: Expr; pos: Pos }
  | { kind: 'neg'; operand: Expr; pos: Pos }
  | { kind: 'not'; operand: Expr; pos: Pos }
  | { kind: 'arith'; op: ArithOp; left: Expr; right: Expr; pos: Pos }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; pos: Pos }
  | { kind: 'logic'; op: 'and' | 'or'; left: Expr; right: Expr; pos: Pos }
  | { kind: 'startsWith'; left: Expr; right: Expr; pos: Pos }
  | { kind: 'in'; negated: boolean; left: Expr; list: ListRef; pos: Pos };

/** The right side of `in`: a literal list or the name of one of the rule set's lists. */
export type ListRef = { kind: 'literals'; items: Literal[]; pos: Pos } | { kind: 'named'; name: string; pos: Pos };
