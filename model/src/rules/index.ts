/**
 * The rule language (docs/rules.md): analysts' rules beside the model.
 *   parseRuleSet(json)            shape + syntax; RULE_INVALID lists every problem with line:column
 *   checkRuleSet(set, features)   types against the transaction fields, the feature set, score, lists
 *   validateRuleSet(json, f)      both: what publishing runs before writing
 *   compileRuleSet(set, f, names) closures for the scorer; evaluateRules(rules, input) per payment
 *   toSql(expr, options)          a SQL condition (DuckDB or BigQuery) for backtests
 *   backtest(query, window, set)  hits, fraud caught, false positives, overlap with the model
 */
export type { Expr, ListRef, Literal, Pos } from './ast.ts';
export { parseExpression, ParseError } from './parser.ts';
export { TRANSACTION_FIELDS, resolveName, type RuleCatalogue, type ValueType } from './catalogue.ts';
export { checkExpression } from './check.ts';
export { formatProblem, problemsOf, ruleError, type RuleProblem } from './errors.ts';
export { compilePredicate, dayOfWeek, hourOfDay, type Binding, type Predicate, type RuleInput } from './evaluate.ts';
export {
  catalogueOf,
  checkRuleSet,
  compileRuleSet,
  evaluateRules,
  parseRuleSet,
  ruleSetJson,
  validateRuleSet,
  type CompiledRule,
  type FeatureCatalogue,
  type ParsedRule,
  type ParsedRuleSet,
  type RuleOutcome,
} from './rule-set.ts';
export { toSql, usesFeatures, type CompiledSql, type SqlDialect, type SqlOptions } from './sql.ts';
export {
  ANY_RULE,
  backtest,
  type BacktestOptions,
  type BacktestReport,
  type BacktestWindow,
  type RuleHits,
  type WarehouseQuery,
} from './backtest.ts';
