import { withDeadline, type Kafka, type KafkaMessage, type Producer } from '@fraud/kafka';
import { errorMessage, FraudError, type Logger } from '@fraud/common';
import { CONTROL_KEYS, type Topics } from '@fraud/schemas';
import { diffKeys, type PolicyManager } from '../policy/manager.ts';
import { retrainPolicySchema } from '../policy/schema.ts';
import { followRecords } from './follow-records.ts';

/**
 * The 'retrain-policy' key of the compacted control topic (JSON). Read from the beginning at
 * start (latest wins), then followed live; each record is an edit through the manager. A
 * record equal to the policy in force (e.g. the echo of an API edit this instance published)
 * is not re-applied.
 */
export interface ControlWatcher {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the topic has been read up to its end as of start(). */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Whether the records read so far leave a retrain policy on the topic (any value, even a refused one). */
  holdsPolicy(): boolean;
}

export function watchControlTopic(deps: {
  kafka: Kafka;
  topics: Pick<Topics, 'control'>;
  manager: PolicyManager;
  logger: Logger;
  groupPrefix?: string;
}): ControlWatcher {
  let holds = false;
  const apply = async (message: KafkaMessage): Promise<void> => {
    if (message.key?.toString('utf8') !== CONTROL_KEYS.retrainPolicy) return;
    holds = message.value !== null;
    if (message.value === null) return;
    const text = message.value.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err: unknown) {
      await deps.manager.apply({
        source: 'control-topic',
        actor: 'control-topic',
        policy: null,
        parseError:
          `retrain policy refused: control record at offset ${message.offset} is not JSON (${errorMessage(err)}). ` +
          'The previous policy stays in force.',
      });
      return;
    }
    const rec = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    if (sameAsCurrent(deps.manager, rec)) return;
    const actor = typeof rec.updatedBy === 'string' ? rec.updatedBy : 'control-topic';
    await deps.manager.apply({ source: 'control-topic', actor, policy: value });
  };
  const follower = followRecords(deps, deps.topics.control, 'retrainer-control', apply);
  return {
    start: follower.start,
    stop: follower.stop,
    async caughtUp(timeoutMs = 30_000) {
      const running = follower.current();
      if (!running) throw new FraudError('INTERNAL', 'control watcher not started: call start() first');
      await withDeadline(running.caughtUp, timeoutMs, 'reading the control topic to its end');
    },
    holdsPolicy: () => holds,
  };
}

/**
 * Publishes the policy in force when the control topic holds no retrain policy, so the console
 * shows the effective default from the first start. Reads the topic to its end first: a policy
 * already there (an analyst's edit, a previous start's default) is never overwritten. Returns
 * whether it published.
 */
export async function publishDefaultPolicyIfAbsent(deps: {
  watcher: ControlWatcher;
  producer: Producer;
  topics: Pick<Topics, 'control'>;
  manager: PolicyManager;
  logger: Logger;
}): Promise<boolean> {
  await deps.watcher.caughtUp();
  if (deps.watcher.holdsPolicy()) return false;
  const policy = { ...deps.manager.current(), updatedBy: 'retrainer (default at start-up)', updatedAt: Date.now() };
  await publishRetrainPolicy(deps.producer, deps.topics, policy);
  deps.logger.info({ topic: deps.topics.control }, 'no retrain policy on the control topic: published the default');
  return true;
}

/** Publishes a policy document to the control topic (what the console and the CLI do). */
export async function publishRetrainPolicy(
  producer: Producer,
  topics: Pick<Topics, 'control'>,
  policy: unknown,
): Promise<void> {
  await producer.send({
    topic: topics.control,
    messages: [{ key: CONTROL_KEYS.retrainPolicy, value: JSON.stringify(policy) }],
  });
}

function sameAsCurrent(manager: PolicyManager, rec: Record<string, unknown>): boolean {
  const parsed = retrainPolicySchema.safeParse(rec);
  return parsed.success && diffKeys(manager.current(), parsed.data).length === 0;
}
