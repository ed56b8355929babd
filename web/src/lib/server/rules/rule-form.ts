import { FraudError } from '@fraud/common';
import { problemsOf, ruleSetJson, validateRuleSet, type FeatureCatalogue, type RuleProblem } from '@fraud/model/rules';
import { RULE_ACTIONS, type RuleSet } from '@fraud/schemas';

/** The rule in the editor, as typed (checked by the rule module, not here). */
export interface EditedRule {
  name: string;
  action: string;
  priority: number;
  description: string;
  expression: string;
}

const HOUR = 3_600_000;
export const WINDOWS = { '24h': 24 * HOUR, '7d': 7 * 24 * HOUR } as const;

/** Reads the editor's fields. Shape problems (name, priority) are left to the rule set check. */
export function parseEditedRule(form: FormData): EditedRule {
  const text = (k: string) => String(form.get(k) ?? '');
  const priority = Number(text('priority').trim() || '0');
  if (!Number.isInteger(priority))
    throw new FraudError('BAD_REQUEST', `priority must be a whole number (got ${JSON.stringify(text('priority'))})`);
  const action = text('action');
  if (!(RULE_ACTIONS as readonly string[]).includes(action))
    throw new FraudError(
      'BAD_REQUEST',
      `action must be one of ${RULE_ACTIONS.join(', ')} (got ${JSON.stringify(action)})`,
    );
  return {
    name: text('name').trim(),
    action,
    priority,
    description: text('description').trim(),
    // Line endings as the analyst sees them: positions are counted on \n.
    expression: text('expression').replace(/\r\n?/g, '\n'),
  };
}

/** The backtest window, [from, to) in epoch ms: last 24 h, last 7 days, or custom bounds. */
export function parseWindow(form: FormData, now: number): { from: number; to: number; label: string } {
  const choice = String(form.get('window') ?? '24h');
  if (choice === '24h' || choice === '7d') return { from: now - WINDOWS[choice], to: now, label: `last ${choice}` };
  if (choice !== 'custom') throw new FraudError('BAD_REQUEST', `window must be 24h, 7d or custom (got ${choice})`);
  // The page converts its local date-time inputs to epoch ms (fromMs/toMs); ISO text otherwise.
  const bound = (k: string): number => {
    const ms = Number(String(form.get(`${k}Ms`) ?? ''));
    if (String(form.get(`${k}Ms`) ?? '') !== '' && Number.isFinite(ms)) return ms;
    const parsed = Date.parse(String(form.get(k) ?? ''));
    if (Number.isNaN(parsed)) throw new FraudError('BAD_REQUEST', `choose the custom window's ${k} date and time`);
    return parsed;
  };
  const from = bound('from');
  const to = bound('to');
  if (from >= to) throw new FraudError('BAD_REQUEST', 'the custom window must end after it starts');
  return { from, to, label: `${new Date(from).toISOString()} to ${new Date(to).toISOString()}` };
}

/** The rule set the edited rule makes: the current rules with it added, or replacing its namesake. */
export function draftWith(current: RuleSet | null, edited: EditedRule): unknown {
  const rules: unknown[] = (current?.rules ?? []).filter((r) => r.name !== edited.name);
  rules.push({ ...edited, enabled: true });
  return { version: 0, rules, lists: current?.lists ?? {} };
}

/** A rule set holding only the edited rule (and the lists it may name): what a backtest of it runs. */
export function aloneWith(current: RuleSet | null, edited: EditedRule): unknown {
  return { version: 0, rules: [{ ...edited, enabled: true }], lists: current?.lists ?? {} };
}

export type Checked = { ok: true; ruleSet: RuleSet } | { ok: false; problems: RuleProblem[] };

/** Parses and type-checks a rule set: the rule set as it would be published, or every problem. */
export function checkDraft(input: unknown, catalogue: FeatureCatalogue): Checked {
  try {
    return { ok: true, ruleSet: ruleSetJson(validateRuleSet(input, catalogue)) };
  } catch (err: unknown) {
    const problems = problemsOf(err);
    if (problems.length === 0) throw err;
    return { ok: false, problems };
  }
}
