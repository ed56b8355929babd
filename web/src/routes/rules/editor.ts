/**
 * The rule editor's view of a problem the type checker reported at line:column (1-based, lines
 * split on \n, as the rule module counts them): the offending line and a caret under the column.
 */
export interface Marked {
  line: number;
  column: number;
  text: string;
  caret: string;
  /** Offset of line:column in the expression, for placing the cursor there. */
  offset: number;
}

export function markProblem(expression: string, line: number, column: number): Marked {
  const lines = expression.split('\n');
  const l = Math.min(Math.max(1, line), Math.max(1, lines.length));
  const text = lines[l - 1] ?? '';
  const c = Math.min(Math.max(1, column), text.length + 1);
  let offset = 0;
  for (let i = 0; i < l - 1; i++) offset += (lines[i]?.length ?? 0) + 1;
  return { line: l, column: c, text, caret: `${' '.repeat(c - 1)}^`, offset: offset + c - 1 };
}

/** A local date-time input's value ("2026-12-04T10:30") as epoch ms in the browser's zone; null if empty. */
export function localInputMs(value: string): number | null {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}
