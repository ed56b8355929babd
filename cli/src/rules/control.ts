import { randomUUID } from 'node:crypto';
import { FraudError, errorMessage, type Logger } from '@fraud/common';
import { readToEnd, type Kafka, type Producer } from '@fraud/kafka';
import { validateRuleSet, ruleSetJson, type FeatureCatalogue } from '@fraud/model/rules';
import { CONTROL_KEYS, ruleSetSchema, ruleSetVersionKey, versionOfRuleSetKey, type RuleSet } from '@fraud/schemas';

/**
 * Rule sets on the compacted `control` topic (schemas/src/rule-set.ts): "rule-set@N" keeps each
 * published version, "rule-set" holds the one in force. Publishing writes the version first and
 * then the pointer, so a crash in between leaves the rule set in force unchanged.
 */
export interface RuleSetHistory {
  /** The rule set in force, or null (none published, or cleared). */
  active: RuleSet | null;
  /** Every published version, by number. */
  versions: Map<number, RuleSet>;
}

export async function readRuleSets(deps: { kafka: Kafka; topic: string; logger: Logger }): Promise<RuleSetHistory> {
  const history: RuleSetHistory = { active: null, versions: new Map() };
  await readToEnd({
    kafka: deps.kafka,
    topic: deps.topic,
    groupId: `fraud-rules-${randomUUID()}`,
    logger: deps.logger,
    timeoutMs: 30_000,
    deleteGroupOnStop: true,
    onMessages: async (messages) => {
      for (const m of messages) {
        const key = m.key?.toString() ?? '';
        const version = versionOfRuleSetKey(key);
        if (key !== CONTROL_KEYS.ruleSet && version === null) continue;
        const set = m.value === null ? null : decode(m.value, key, m.offset, deps.logger);
        if (m.value !== null && set === null) continue;
        if (key === CONTROL_KEYS.ruleSet) history.active = set;
        else if (set !== null) history.versions.set(version!, set);
        else history.versions.delete(version!);
      }
    },
  });
  return history;
}

/** A record that is not a rule set (written around the CLI and console) is skipped, as the scorer does. */
function decode(value: Buffer, key: string, offset: string, logger: Logger): RuleSet | null {
  try {
    return ruleSetSchema.parse(JSON.parse(value.toString('utf8')));
  } catch (err: unknown) {
    logger.warn({ key, offset, err: errorMessage(err) }, 'control record is not a rule set: skipped');
    return null;
  }
}

export interface ControlWriter {
  producer: Producer;
  topic: string;
}

async function send(w: ControlWriter, key: string, set: RuleSet): Promise<void> {
  try {
    await w.producer.send({ topic: w.topic, acks: -1, messages: [{ key, value: Buffer.from(JSON.stringify(set)) }] });
  } catch (err: unknown) {
    throw new FraudError(
      'KAFKA_UNAVAILABLE',
      `could not publish ${key} to ${w.topic}: ${errorMessage(err)}; try again`,
      {
        cause: err,
        retriable: true,
      },
    );
  }
}

/**
 * Validates a draft against the feature catalogue (nothing is written when it does not check)
 * and publishes it as the next version, in force at once. Returns the published record.
 */
export async function publishRuleSet(
  w: ControlWriter,
  history: RuleSetHistory,
  draft: unknown,
  o: { actor: string; features: FeatureCatalogue; now?: number },
): Promise<RuleSet> {
  const checked = validateRuleSet(draft, o.features);
  const version = Math.max(0, ...history.versions.keys(), history.active?.version ?? 0) + 1;
  const set: RuleSet = {
    ...ruleSetJson(checked),
    version,
    publishedBy: o.actor,
    publishedAt: o.now ?? Date.now(),
    rolledBackFrom: null,
  };
  await send(w, ruleSetVersionKey(version), set);
  await send(w, CONTROL_KEYS.ruleSet, set);
  return set;
}

/** Puts an older version back in force (default: the newest one below the version in force). */
export async function rollbackRuleSet(
  w: ControlWriter,
  history: RuleSetHistory,
  o: { to?: number; actor: string; now?: number },
): Promise<RuleSet> {
  const current = history.active?.version ?? null;
  const older = [...history.versions.keys()].filter((v) => current === null || v < current).sort((a, b) => b - a);
  const to = o.to ?? older[0];
  const target = to === undefined ? undefined : history.versions.get(to);
  if (to === undefined || target === undefined) {
    const known = [...history.versions.keys()].sort((a, b) => a - b).join(', ') || 'none';
    throw new FraudError(
      'NOT_FOUND',
      o.to === undefined
        ? `no version older than ${current ?? '(none)'} to roll back to (published: ${known})`
        : `rule set version ${o.to} was never published (published: ${known}); see \`fraud rules list\``,
    );
  }
  if (to === current) throw new FraudError('BAD_REQUEST', `version ${to} is already in force`);
  const set: RuleSet = { ...target, publishedBy: o.actor, publishedAt: o.now ?? Date.now(), rolledBackFrom: current };
  await send(w, CONTROL_KEYS.ruleSet, set);
  return set;
}
