import { partitionFor, type Producer } from '@fraud/kafka';
import { ENTITY_HEADER, MARKER_HEADER, encodeMarkers, type Marker } from './protocol.ts';

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

/**
 * A group committer: a write that finds no produce in flight goes out at once; writes that arrive
 * meanwhile go out together in the next one, with ONE marker record per entity partition listing
 * every batch it carries. The repartition stage's concurrent partition batches so share produce
 * requests and markers.
 */
export function createEntityWriter(deps: EntityWriterDeps): EntityWriter {
  /** Per `transactions` partition: the newest eventTime written (markers carry the running max). */
  const newest = new Map<number, number>();
  let queue: Array<{ chunk: EntityChunk; done: (err?: unknown) => void }> = [];
  let flushing = false;

  const flush = async (): Promise<void> => {
    flushing = true;
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      const messages: Array<{ partition: number; key: string | null; value: Buffer; headers: Record<string, string> }> =
        [];
      const markers: Marker[] = [];
      let copies = 0;
      for (const { chunk } of group) {
        for (const c of chunk.copies) {
          messages.push({
            partition: partitionFor(c.key, deps.partitions),
            key: c.key,
            value: c.value,
            headers: { [ENTITY_HEADER]: c.field },
          });
        }
        copies += chunk.copies.length;
        const top = Math.max(newest.get(chunk.partition) ?? -Infinity, chunk.newest);
        newest.set(chunk.partition, top);
        markers.push({
          p: chunk.partition,
          from: chunk.from.toString(),
          next: chunk.next.toString(),
          fields: [...chunk.fields],
          newest: Number.isFinite(top) ? top : null,
          appended: Number.isFinite(chunk.appendedBy) ? chunk.appendedBy : null,
        });
      }
      const value = encodeMarkers(markers);
      for (let q = 0; q < deps.partitions; q++) {
        messages.push({ partition: q, key: null, value, headers: { [MARKER_HEADER]: '1' } });
      }
      try {
        await deps.producer.send({ topic: deps.topic, acks: -1, messages });
        deps.onWrite?.(copies, deps.partitions);
        for (const g of group) g.done();
      } catch (err: unknown) {
        for (const g of group) g.done(err);
      }
    }
    flushing = false;
  };

  return {
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ chunk, done: (err) => (err === undefined ? resolve() : reject(err)) });
        if (!flushing) void flush();
      });
    },
  };
}
