import type { KafkaMessage } from '@fraud/kafka';
import { CONTROL_KEYS, ruleSetSchema, versionOfRuleSetKey, type RuleSet } from '@fraud/schemas';

/**
 * The rule sets on the `control` topic as the console last saw them: the one in force (key
 * "rule-set") and every published version (keys "rule-set@N", never overwritten, so the topic's
 * compaction keeps them all for rollback). A tombstone on "rule-set" clears the rules in force.
 */
/** The parts of a control record the state reads. */
export type ControlRecord = Pick<KafkaMessage, 'key' | 'value'>;

export interface RuleState {
  apply(message: ControlRecord): void;
  /** The rule set in force; null when none was published or it was cleared. */
  current(): RuleSet | null;
  /** Every published version, newest first. */
  versions(): RuleSet[];
  version(n: number): RuleSet | null;
  /** The number the next publication takes: one above every version seen. */
  nextVersion(): number;
}

export function createRuleState(): RuleState {
  let current: RuleSet | null = null;
  const byVersion = new Map<number, RuleSet>();
  const read = (value: Buffer): RuleSet => ruleSetSchema.parse(JSON.parse(value.toString('utf8')) as unknown);
  const remember = (set: RuleSet): void => {
    if (set.version > 0 && set.rolledBackFrom === null && !byVersion.has(set.version)) byVersion.set(set.version, set);
  };
  return {
    apply(message) {
      const key = message.key?.toString() ?? '';
      if (key === CONTROL_KEYS.ruleSet) {
        current = message.value ? read(message.value) : null;
        if (current) remember(current);
        return;
      }
      const n = versionOfRuleSetKey(key);
      if (n === null) return;
      if (message.value) byVersion.set(n, { ...read(message.value), version: n });
      else byVersion.delete(n);
    },
    current: () => current,
    versions: () => [...byVersion.values()].sort((a, b) => b.version - a.version),
    version: (n) => byVersion.get(n) ?? null,
    nextVersion: () => Math.max(0, current?.version ?? 0, current?.rolledBackFrom ?? 0, ...byVersion.keys()) + 1,
  };
}
