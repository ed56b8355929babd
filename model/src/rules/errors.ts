import { FraudError } from '@fraud/common';
import type { Pos } from './ast.ts';

/** One problem in a rule or rule set: where (rule name, line:column in its expression) and what. */
export interface RuleProblem {
  /** The rule's name; null for the rule set itself (its shape, its lists). */
  rule: string | null;
  line: number;
  column: number;
  message: string;
}

export function problemAt(rule: string | null, pos: Pos, message: string): RuleProblem {
  return { rule, line: pos.line, column: pos.column, message };
}

/** "rule big-transfer 1:12: expected ..." */
export function formatProblem(p: RuleProblem): string {
  const where = p.rule === null ? 'rule set' : `rule ${p.rule}`;
  return `${where} ${p.line}:${p.column}: ${p.message}`;
}

/** A rule or rule set refused; `details.problems` lists every problem found (RuleProblem[]). */
export function ruleError(problems: readonly RuleProblem[]): FraudError {
  const shown = problems.slice(0, 20).map(formatProblem);
  const more = problems.length > shown.length ? `\n... and ${problems.length - shown.length} more` : '';
  return new FraudError('RULE_INVALID', `${shown.join('\n')}${more}`, { details: { problems: [...problems] } });
}

/** The problems a RULE_INVALID error carries (empty for any other error). */
export function problemsOf(err: unknown): RuleProblem[] {
  if (!(err instanceof FraudError) || err.code !== 'RULE_INVALID') return [];
  const p = err.details.problems;
  return Array.isArray(p) ? (p as RuleProblem[]) : [];
}
