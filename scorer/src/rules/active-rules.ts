import { errorMessage, type Logger } from '@fraud/common';
import type { KafkaMessage } from '@fraud/kafka';
import {
  compileRuleSet,
  formatProblem,
  parseRuleSet,
  problemsOf,
  type CompiledRule,
  type ParsedRuleSet,
} from '@fraud/model';

/**
 * The rule set in force on this scorer instance (control topic, key "rule-set"), compiled once
 * per version and per feature order. Publishing checked it against the live feature set; here
 * any feature name is accepted (`features: 'any'`) and one the scored row lacks reads as missing.
 */
export interface ActiveRuleSet {
  /** The version in force; null when none was published (or it was cleared). */
  readonly version: number | null;
  /** The enabled rules bound to a feature row order, highest priority first; cached per order. */
  forFeatures(featureNames: readonly string[]): readonly CompiledRule[];
}

export const NO_RULES: ActiveRuleSet = { version: null, forFeatures: () => [] };

export function activeRuleSet(set: ParsedRuleSet): ActiveRuleSet {
  // One entry: the champion's feature order changes only when a model with another spec is promoted.
  let names: readonly string[] | null = null;
  let bound: readonly CompiledRule[] = [];
  return {
    version: set.version,
    forFeatures(featureNames) {
      if (featureNames !== names) {
        bound = compileRuleSet(set, { features: 'any', featureSet: null }, featureNames);
        names = featureNames;
      }
      return bound;
    },
  };
}

/** The rule set after one record on the rule-set key: cleared, replaced, or (invalid) unchanged. */
export function nextRuleSet(logger: Logger, m: KafkaMessage, current: ActiveRuleSet): ActiveRuleSet {
  if (!m.value) {
    logger.info({ previous: current.version }, 'rule set cleared: no rules');
    return NO_RULES;
  }
  try {
    const set = parseRuleSet(JSON.parse(m.value.toString('utf8')) as unknown);
    const enabled = set.rules.filter((r) => r.enabled).length;
    logger.info({ version: set.version, rules: set.rules.length, enabled, by: set.publishedBy }, 'rule set applied');
    return activeRuleSet(set);
  } catch (err: unknown) {
    // Publishing validates first, so this is a record written around the CLI/console: keep serving.
    const problems = problemsOf(err).map(formatProblem);
    logger.error(
      { offset: m.offset, err: errorMessage(err), problems },
      'invalid rule set ignored; the previous one stays',
    );
    return current;
  }
}
