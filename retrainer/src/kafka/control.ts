import type { Kafka, KafkaMessage, Producer } from '@fraud/kafka';
import { errorMessage, type Logger } from '@fraud/common';
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
}

export function watchControlTopic(deps: {
  kafka: Kafka;
  topics: Pick<Topics, 'control'>;
  manager: PolicyManager;
  logger: Logger;
  groupPrefix?: string;
}): ControlWatcher {
  const apply = async (message: KafkaMessage): Promise<void> => {
    if (message.key?.toString('utf8') !== CONTROL_KEYS.retrainPolicy || message.value === null) return;
    const text = message.value.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err: unknown) {
      await deps.manager.apply({
        source: 'control-topic',
        actor: 'control-topic',
        policy: null,
        parseError: `retrain policy refused: control record at offset ${message.offset} is not JSON (${errorMessage(err)}). The previous policy stays in force.`,
      });
      return;
    }
    const rec = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    if (sameAsCurrent(deps.manager, rec)) return;
    const actor = typeof rec.updatedBy === 'string' ? rec.updatedBy : 'control-topic';
    await deps.manager.apply({ source: 'control-topic', actor, policy: value });
  };
  const follower = followRecords(deps, deps.topics.control, 'retrainer-control', apply);
  return { start: follower.start, stop: follower.stop };
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
