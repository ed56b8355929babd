import { LIST_NAME, ruleSetSchema, type Rule, type RuleAction, type RuleSet } from '@fraud/schemas';
import type { Expr } from './ast.ts';
import { TRANSACTION_FIELDS, type RuleCatalogue } from './catalogue.ts';
import { checkExpression } from './check.ts';
import { problemAt, ruleError, type RuleProblem } from './errors.ts';
import { compilePredicate, type Predicate, type RuleInput } from './evaluate.ts';
import { parseExpression, ParseError } from './parser.ts';

export interface ParsedRule extends Rule {
  expr: Expr;
}
export interface ParsedRuleSet extends Omit<RuleSet, 'rules'> {
  rules: ParsedRule[];
}

/** The features a rule set is checked against: the live feature set's names, or 'any' (see RuleCatalogue). */
export interface FeatureCatalogue {
  features: readonly string[] | 'any';
  featureSet: string | null;
}

const ORIGIN = { line: 1, column: 1 };

/**
 * Parses a rule set (JSON value): its shape (schemas/ ruleSetSchema) and every expression.
 * Throws RULE_INVALID listing every problem found (each with its rule and line:column).
 */
export function parseRuleSet(input: unknown): ParsedRuleSet {
  const shape = ruleSetSchema.safeParse(input);
  if (!shape.success) {
    throw ruleError(
      shape.error.issues.map((i) => ({
        ...ORIGIN,
        rule: null,
        message: `${i.path.join('.') || 'rule set'}: ${i.message}`,
      })),
    );
  }
  const problems: RuleProblem[] = [];
  const rules: ParsedRule[] = [];
  for (const rule of shape.data.rules) {
    try {
      rules.push({ ...rule, expr: parseExpression(rule.expression) });
    } catch (err: unknown) {
      if (!(err instanceof ParseError)) throw err;
      problems.push(problemAt(rule.name, err.pos, err.message));
    }
  }
  if (problems.length > 0) throw ruleError(problems);
  return { ...shape.data, rules };
}

/** The catalogue of a rule set: the given features plus its own lists, typed by their items. */
export function catalogueOf(set: Pick<RuleSet, 'lists'>, f: FeatureCatalogue): RuleCatalogue {
  const lists: Record<string, 'string' | 'number'> = {};
  for (const [name, values] of Object.entries(set.lists))
    lists[name] = typeof values[0] === 'number' ? 'number' : 'string';
  return { ...f, lists };
}

/** Type-checks every rule; also refuses duplicate rule names and lists named like a field. Empty: valid. */
export function checkRuleSet(set: ParsedRuleSet, f: FeatureCatalogue): RuleProblem[] {
  const catalogue = catalogueOf(set, f);
  const problems: RuleProblem[] = [];
  const seen = new Set<string>();
  for (const rule of set.rules) {
    if (seen.has(rule.name)) problems.push({ ...ORIGIN, rule: rule.name, message: 'two rules have this name' });
    seen.add(rule.name);
    problems.push(...checkExpression(rule.expr, catalogue, rule.name));
  }
  for (const name of Object.keys(set.lists)) {
    const clash = TRANSACTION_FIELDS[name] !== undefined || name === 'score';
    if (clash || !LIST_NAME.test(name)) {
      problems.push({ ...ORIGIN, rule: null, message: `list '${name}': a list needs a name no field has` });
    }
  }
  return problems;
}

/** parseRuleSet + checkRuleSet: the rule set, or RULE_INVALID with every problem. Use before publishing. */
export function validateRuleSet(input: unknown, f: FeatureCatalogue): ParsedRuleSet {
  const set = parseRuleSet(input);
  const problems = checkRuleSet(set, f);
  if (problems.length > 0) throw ruleError(problems);
  return set;
}

/** The JSON a rule set is published as (expressions as text; the trees are rebuilt by parseRuleSet). */
export function ruleSetJson(set: ParsedRuleSet): RuleSet {
  return { ...set, rules: set.rules.map(({ expr: _expr, ...rule }) => rule) };
}

export interface RuleOutcome {
  /** Names of the rules that fired (TAG included), highest priority first. */
  fired: string[];
  /** The highest-priority deciding rule that fired (BLOCK, REVIEW or APPROVE), if any. */
  decidedBy: { name: string; action: Exclude<RuleAction, 'TAG'> } | null;
}

export interface CompiledRule {
  name: string;
  action: RuleAction;
  priority: number;
  test: Predicate;
}

/** Ties in priority: APPROVE (an override is deliberate) > BLOCK > REVIEW > TAG, then by name. */
const ACTION_RANK: Readonly<Record<RuleAction, number>> = { APPROVE: 0, BLOCK: 1, REVIEW: 2, TAG: 3 };

/** Enabled rules bound to one feature row order, in evaluation order. */
export function compileRuleSet(
  set: ParsedRuleSet,
  f: FeatureCatalogue,
  featureNames: readonly string[],
): CompiledRule[] {
  const catalogue = catalogueOf(set, f);
  const binding = { featureNames, lists: set.lists };
  return set.rules
    .filter((r) => r.enabled)
    .map((r) => ({
      name: r.name,
      action: r.action,
      priority: r.priority,
      test: compilePredicate(r.expr, catalogue, binding),
    }))
    .sort(
      (a, b) =>
        b.priority - a.priority ||
        ACTION_RANK[a.action] - ACTION_RANK[b.action] ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
}

/** Runs every compiled rule on one payment. */
export function evaluateRules(rules: readonly CompiledRule[], input: RuleInput): RuleOutcome {
  const fired: string[] = [];
  let decidedBy: RuleOutcome['decidedBy'] = null;
  for (const r of rules) {
    if (!r.test(input)) continue;
    fired.push(r.name);
    if (decidedBy === null && r.action !== 'TAG') decidedBy = { name: r.name, action: r.action };
  }
  return { fired, decidedBy };
}
