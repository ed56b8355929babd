import { errorMessage, type Logger } from '@fraud/common';
import { followTopic, withDeadline, type Kafka, type KafkaMessage } from '@fraud/kafka';
import { CONTROL_KEYS, decisionPolicySchema, type ModelUpdate } from '@fraud/schemas';
import type { ModelMetrics } from './metrics.ts';
import type { ModelManager } from './model-manager.ts';
import { compilePolicy, type CompiledPolicy } from './policy.ts';
import { nextRuleSet } from './rules/active-rules.ts';

export interface Feed {
  stop(): Promise<void>;
}

/** A private follower of one compacted topic, read to its end at start-up. */
export interface FeedOptions {
  kafka: Kafka;
  topic: string;
  /** A group of this instance's own (offsets never committed). */
  groupId: string;
  logger: Logger;
  /** Deadline for the first read to the end. */
  timeoutMs: number;
}

/** Follows a topic and resolves once it has read it to its end, within `timeoutMs` (stopped if not). */
async function followToEnd(o: FeedOptions, onMessages: (messages: KafkaMessage[]) => Promise<void>): Promise<Feed> {
  const follower = await followTopic({
    kafka: o.kafka,
    topic: o.topic,
    groupId: o.groupId,
    logger: o.logger,
    onMessages,
  });
  try {
    await withDeadline(follower.caughtUp, o.timeoutMs, `reading ${o.topic} to its end`);
  } catch (err: unknown) {
    await follower.stop();
    throw err;
  }
  return { stop: () => follower.stop() };
}

export interface ModelFeedOptions extends FeedOptions {
  decode: (buf: Buffer) => Promise<ModelUpdate>;
  manager: ModelManager;
  metrics: ModelMetrics;
}

/**
 * Follows the compacted model-updates topic. While catching up only the latest update per role
 * is kept (older ones were superseded); once at the end those are loaded, and from then on every
 * new update is offered as it arrives (verify, smoke test, swap between chunks). Offers run one
 * at a time in topic order, so a slow load can never let an older model win.
 * Resolves when the catch-up offers are done: the caller then knows whether a champion exists.
 */
export async function startModelFeed(o: ModelFeedOptions): Promise<Feed> {
  const pending = new Map<string, ModelUpdate>();
  let live = false;
  let chain: Promise<unknown> = Promise.resolve();
  const offer = (u: ModelUpdate): Promise<unknown> => (chain = chain.then(() => o.manager.offer(u)));
  const retireShadow = (): void => {
    if (live) chain = chain.then(() => o.manager.retireShadow());
    else pending.delete('SHADOW');
  };
  const reader = await followToEnd(o, async (messages) => {
    for (const m of messages) {
      if (!m.value) {
        // A tombstone on the shadow key: the retrainer retired the shadow, or promoted it
        // (the champion key then carries it). The champion key is never tombstoned.
        if (m.key?.toString() === 'shadow') retireShadow();
        continue;
      }
      const update = await decodeUpdate(o, m.value, m.offset);
      if (update === null) continue;
      if (live) await offer(update);
      else pending.set(update.role, update);
    }
  });
  live = true;
  const latest = [pending.get('CHAMPION'), pending.get('SHADOW')].filter((u): u is ModelUpdate => u !== undefined);
  for (const u of latest) void offer(u);
  await chain;
  return reader;
}

/** An undecodable update is refused (counted, logged); the current models keep serving. */
async function decodeUpdate(o: ModelFeedOptions, value: Buffer, offset: string): Promise<ModelUpdate | null> {
  try {
    return await o.decode(value);
  } catch (err: unknown) {
    o.metrics.modelRejected.inc();
    o.logger.error({ offset, err: errorMessage(err) }, 'undecodable model update refused');
    return null;
  }
}

/**
 * Follows the compacted control topic for the live decision policy and rule set; a bad one is
 * ignored. The scoring loop reads current() once per chunk, so a new version applies at a chunk boundary.
 */
export async function startPolicyFeed(o: FeedOptions): Promise<Feed & { current(): CompiledPolicy }> {
  let current = compilePolicy(null);
  const reader = await followToEnd(o, async (messages) => {
    for (const m of messages) {
      const key = m.key?.toString();
      if (key === CONTROL_KEYS.ruleSet) current = { ...current, rules: nextRuleSet(o.logger, m, current.rules) };
      if (key !== CONTROL_KEYS.decisionPolicy) continue;
      current = { ...nextPolicy(o.logger, m, current), rules: current.rules };
    }
  });
  return { current: () => current, stop: () => reader.stop() };
}

/** The policy after one record on the decision-policy key: cleared, replaced, or (invalid) unchanged. */
function nextPolicy(logger: Logger, m: KafkaMessage, current: CompiledPolicy): CompiledPolicy {
  if (!m.value) {
    logger.info('decision policy cleared: model thresholds, no lists, no rules');
    return compilePolicy(null);
  }
  const result = decisionPolicySchema.safeParse(parseJson(m.value.toString('utf8')));
  if (!result.success) {
    logger.error(
      { offset: m.offset, issues: result.error.issues },
      'invalid decision policy ignored; the previous one stays',
    );
    return current;
  }
  const { updatedBy, allowList, blockList } = result.data;
  logger.info({ updatedBy, allow: allowList.length, block: blockList.length }, 'decision policy applied');
  return compilePolicy(result.data);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the schema check reports it as invalid.
    return undefined;
  }
}
