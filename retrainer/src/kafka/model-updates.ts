import { withDeadline, type Kafka, type KafkaMessage, type Producer } from '@fraud/kafka';
import { errorMessage, FraudError, type Logger } from '@fraud/common';
import type { Codecs, ModelUpdate, Topics } from '@fraud/schemas';
import type { UpdateSink } from '../run/publisher.ts';
import { followRecords } from './follow-records.ts';

type Role = 'champion' | 'shadow';

/**
 * Follows the compacted model-updates topic from the beginning (a fresh group each start, so
 * the whole compacted history is read): the latest record per key is the model in force,
 * a tombstone (null value) clears the key. "Caught up" comes from the follower, which also
 * counts the commit marker that ends a partition written transactionally (never a message).
 */
export interface ModelUpdatesView {
  start(): Promise<void>;
  stop(): Promise<void>;
  champion(): ModelUpdate | null;
  shadow(): ModelUpdate | null;
  /** Resolves once the topic has been read up to the end offsets seen at start (call after start). */
  caughtUp(timeoutMs?: number): Promise<void>;
  onUpdate(fn: (role: Role, u: ModelUpdate | null) => void): void;
}

export function watchModelUpdates(deps: {
  kafka: Kafka;
  codecs: Pick<Codecs, 'modelUpdate'>;
  topics: Pick<Topics, 'modelUpdates'>;
  logger: Logger;
  groupPrefix?: string;
}): ModelUpdatesView {
  const latest: Record<Role, ModelUpdate | null> = { champion: null, shadow: null };
  const listeners: ((role: Role, u: ModelUpdate | null) => void)[] = [];
  const set = (role: Role, u: ModelUpdate | null): void => {
    latest[role] = u;
    for (const fn of listeners) fn(role, u);
  };
  const apply = async (message: KafkaMessage): Promise<void> => {
    const key = message.key?.toString('utf8');
    if (key !== 'champion' && key !== 'shadow') return;
    if (message.value === null) return set(key, null);
    try {
      set(key, await deps.codecs.modelUpdate.decode(message.value));
    } catch (err: unknown) {
      deps.logger.error({ err: errorMessage(err), offset: message.offset }, 'undecodable model update ignored');
    }
  };
  const follower = followRecords(deps, deps.topics.modelUpdates, 'retrainer-models', apply);
  return {
    start: follower.start,
    stop: follower.stop,
    champion: () => latest.champion,
    shadow: () => latest.shadow,
    async caughtUp(timeoutMs = 30_000) {
      const running = follower.current();
      if (!running) throw new FraudError('INTERNAL', 'model-updates view not started: call start() first');
      await withDeadline(running.caughtUp, timeoutMs, 'reading model-updates to its end');
    },
    onUpdate(fn) {
      listeners.push(fn);
    },
  };
}

/** Writes model updates (and shadow tombstones) to the compacted topic, keyed by role. */
export function kafkaUpdateSink(deps: {
  producer: Producer;
  codecs: Pick<Codecs, 'modelUpdate'>;
  topics: Pick<Topics, 'modelUpdates'>;
}): UpdateSink {
  return {
    async send(key, value) {
      await deps.producer.send({
        topic: deps.topics.modelUpdates,
        messages: [{ key, value: value === null ? null : deps.codecs.modelUpdate.encode(value) }],
      });
    },
  };
}
