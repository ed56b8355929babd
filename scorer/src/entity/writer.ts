import { partitionFor, type Producer } from '@fraud/kafka';
import { ENTITY_HEADER, MARKER_HEADER, encodeMarker } from './protocol.ts';

/** One copy of a payment for an entity owner. */
export interface EntityCopyOut {
  field: string;
  key: string;
  /** The payment's record bytes as read from `transactions`. */
  value: Buffer;
}

export interface EntityChunk {
  /** The `transactions` partition the chunk was read from. */
  partition: number;
  /** Offset of the batch's first record. */
  from: bigint;
  /** Offset after the chunk's last record. */
  next: bigint;
  /** The entity fields copied (every field of the specs in force, whether or not a payment had a key). */
  fields: readonly string[];
  copies: readonly EntityCopyOut[];
  /** Newest eventTime of the chunk's valid payments (-Infinity: none). */
  newest: number;
  /** Newest Kafka timestamp of the chunk's records (-Infinity: none). */
  appendedBy: number;
}

export interface EntityWriter {
  /**
   * Writes a chunk's copies to their entity partitions and then a progress marker to every
   * partition, in one idempotent produce acknowledged by every in-sync replica. Not
   * transactional: a chunk retried after a failure writes its copies again, and the owners'
   * views keep one event per (eventTime, txId), so state is exactly-once all the same.
   */
  write(chunk: EntityChunk): Promise<void>;
}

export interface EntityWriterDeps {
  /** An idempotent producer (acks=all, ordered per partition). */
  producer: Pick<Producer, 'send'>;
  topic: string;
  /** Partitions of `entity-events` (= those of `transactions`). */
  partitions: number;
  /** Bytes written and records, per chunk (metrics). */
  onWrite?(copies: number, markers: number): void;
}

export function createEntityWriter(deps: EntityWriterDeps): EntityWriter {
  /** Per `transactions` partition: the newest eventTime any of its chunks wrote (markers carry the running max). */
  const newest = new Map<number, number>();
  return {
    async write(chunk) {
      const prev = newest.get(chunk.partition) ?? -Infinity;
      const top = Math.max(prev, chunk.newest);
      const messages: Array<{ partition: number; key: string | null; value: Buffer; headers: Record<string, string> }> =
        chunk.copies.map((c) => ({
          partition: partitionFor(c.key, deps.partitions),
          key: c.key,
          value: c.value,
          headers: { [ENTITY_HEADER]: c.field },
        }));
      const marker = encodeMarker({
        p: chunk.partition,
        from: chunk.from.toString(),
        next: chunk.next.toString(),
        fields: [...chunk.fields],
        newest: Number.isFinite(top) ? top : null,
        appended: Number.isFinite(chunk.appendedBy) ? chunk.appendedBy : null,
      });
      for (let q = 0; q < deps.partitions; q++)
        messages.push({
          partition: q,
          key: null,
          value: marker,
          headers: { [MARKER_HEADER]: '1' },
        });
      await deps.producer.send({ topic: deps.topic, acks: -1, messages });
      newest.set(chunk.partition, top);
      deps.onWrite?.(chunk.copies.length, deps.partitions);
    },
  };
}
