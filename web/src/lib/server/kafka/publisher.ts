import type { Producer } from '@fraud/kafka';
import { FraudError, errorMessage } from '@fraud/common';
import type { Codecs, DecisionPolicy, Label, ModelUpdate, RuleSet, Topics } from '@fraud/schemas';
import { CONTROL_KEYS } from '@fraud/schemas';

/**
 * Everything the console writes to Kafka. Sends wait for all in-sync replicas (acks -1) and the
 * producer is idempotent, so an awaited publish is durable and not duplicated by retries.
 */
export interface Publisher {
  label(label: Label): Promise<void>;
  decisionPolicy(policy: DecisionPolicy): Promise<void>;
  retrainPolicy(policy: Record<string, unknown>): Promise<void>;
  modelUpdate(modelName: string, update: ModelUpdate): Promise<void>;
  /** One rule set under each control key, in order, in one send (e.g. "rule-set@N" then "rule-set"). */
  ruleSet(set: RuleSet, keys: readonly string[]): Promise<void>;
}

export function createPublisher(deps: { producer: Producer; codecs: Codecs; topics: Topics }): Publisher {
  const { producer, codecs, topics } = deps;
  const send = async (topic: string, key: string | readonly string[], value: Buffer): Promise<void> => {
    const keys = typeof key === 'string' ? [key] : key;
    try {
      await producer.send({ topic, acks: -1, messages: keys.map((k) => ({ key: k, value })) });
    } catch (err: unknown) {
      throw new FraudError(
        'KAFKA_UNAVAILABLE',
        `could not publish to ${topic}: ${errorMessage(err)}; nothing was changed, try again`,
        { cause: err, retriable: true },
      );
    }
  };
  return {
    label: (label) => send(topics.labels, label.txId, codecs.label.encode(label)),
    decisionPolicy: (policy) => send(topics.control, CONTROL_KEYS.decisionPolicy, Buffer.from(JSON.stringify(policy))),
    retrainPolicy: (policy) => send(topics.control, CONTROL_KEYS.retrainPolicy, Buffer.from(JSON.stringify(policy))),
    // Keyed by role, like every other publisher of model-updates: compaction keeps the latest
    // champion and the latest shadow (a shared key would let a shadow erase the champion).
    modelUpdate: (_modelName, update) =>
      send(topics.modelUpdates, update.role.toLowerCase(), codecs.modelUpdate.encode(update)),
    ruleSet: (set, keys) => send(topics.control, keys, Buffer.from(JSON.stringify(set))),
  };
}

/** The Label an analyst's verdict becomes: keyed by txId on `labels`, source ANALYST. */
export function buildAnalystLabel(input: {
  txId: string;
  isFraud: boolean;
  author: string;
  note: string | null;
  typology?: string | null;
  now?: number;
}): Label {
  const note = input.note?.trim() ? input.note.trim().slice(0, 2000) : null;
  return {
    txId: input.txId,
    isFraud: input.isFraud,
    source: 'ANALYST',
    labeledAt: input.now ?? Date.now(),
    note,
    typology: input.typology ?? null,
    author: input.author,
  };
}
