import { errorMessage, type Logger } from '@fraud/common';
import { followTopic, withDeadline, type FollowTopicOptions, type Kafka } from '@fraud/kafka';
import { CONTROL_KEYS, decisionPolicySchema, type ModelUpdate } from '@fraud/schemas';
import type { ScorerMetrics } from './metrics.ts';
import type { ModelManager } from './model-manager.ts';
import { compilePolicy, type CompiledPolicy } from './policy.ts';

export interface Feed {
  stop(): Promise<void>;
}

/** Follows a topic and resolves once it has read it to its end, within `timeoutMs` (stopped if not). */
async function followToEnd(opts: FollowTopicOptions, timeoutMs: number): Promise<Feed> {
  const follower = await followTopic(opts);
  try {
    await withDeadline(follower.caughtUp, timeoutMs, `reading ${opts.topic} to its end`);
  } catch (err: unknown) {
    await follower.stop();
    throw err;
  }
  return { stop: () => follower.stop() };
}

export interface ModelFeedOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  decode: (buf: Buffer) => Promise<ModelUpdate>;
  manager: ModelManager;
  metrics: ScorerMetrics;
  logger: Logger;
  timeoutMs: number;
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
  const reader = await followToEnd(
    {
      kafka: o.kafka,
      topic: o.topic,
      groupId: o.groupId,
      logger: o.logger,
      onMessages: async (messages) => {
        for (const m of messages) {
          if (!m.value) {
            // A tombstone on the shadow key: the retrainer retired the shadow, or promoted it
            // (the champion key then carries it). The champion key is never tombstoned.
            if (m.key?.toString() !== 'shadow') continue;
            if (live) chain = chain.then(() => o.manager.retireShadow());
            else pending.delete('SHADOW');
            continue;
          }
          let update: ModelUpdate;
          try {
            update = await o.decode(m.value);
          } catch (err: unknown) {
            o.metrics.modelRejected.inc();
            o.logger.error({ offset: m.offset, err: errorMessage(err) }, 'undecodable model update refused');
            continue;
          }
          if (live) await offer(update);
          else pending.set(update.role, update);
        }
      },
    },
    o.timeoutMs,
  );
  live = true;
  const latest = [pending.get('CHAMPION'), pending.get('SHADOW')].filter((u): u is ModelUpdate => u !== undefined);
  for (const u of latest) void offer(u);
  await chain;
  return reader;
}

export interface PolicyFeedOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  logger: Logger;
  timeoutMs: number;
}

/** Follows the compacted control topic for the live decision policy; a bad policy is ignored. */
export async function startPolicyFeed(o: PolicyFeedOptions): Promise<Feed & { current(): CompiledPolicy }> {
  let current = compilePolicy(null);
  const reader = await followToEnd(
    {
      kafka: o.kafka,
      topic: o.topic,
      groupId: o.groupId,
      logger: o.logger,
      onMessages: async (messages) => {
        for (const m of messages) {
          if (m.key?.toString() !== CONTROL_KEYS.decisionPolicy) continue;
          if (!m.value) {
            current = compilePolicy(null);
            o.logger.info('decision policy cleared: model thresholds, no lists, no rules');
            continue;
          }
          const parsed = parseJson(m.value.toString('utf8'));
          const result = decisionPolicySchema.safeParse(parsed);
          if (!result.success) {
            o.logger.error(
              { offset: m.offset, issues: result.error.issues },
              'invalid decision policy ignored; the previous one stays',
            );
            continue;
          }
          current = compilePolicy(result.data);
          o.logger.info(
            {
              updatedBy: result.data.updatedBy,
              allow: result.data.allowList.length,
              block: result.data.blockList.length,
            },
            'decision policy applied',
          );
        }
      },
    },
    o.timeoutMs,
  );
  return { current: () => current, stop: () => reader.stop() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the schema check below reports it as invalid.
    return undefined;
  }
}
