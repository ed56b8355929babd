import { partitionFor, type Producer } from '@fraud/kafka';
import { encodeBundle, type BundledCopy, type Marker } from './protocol.ts';

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
   * Writes a batch's copies to their entity partitions and its progress marker to every
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
  /** Copies and entity partitions per write (metrics). */
  onWrite?(copies: number, markers: number): void;
}

/**
 * A group committer: a write that finds no produce in flight goes out at once; writes that arrive
 * meanwhile go out together in the next one, as ONE bundle record per entity partition (its
 * copies, then the markers of every batch the write carries). The repartition stage's concurrent
 * partition batches so share produce requests and markers.
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
      const byPartition: BundledCopy[][] = Array.from({ length: deps.partitions }, () => []);
      const markers: Marker[] = [];
      let copies = 0;
      for (const { chunk } of group) {
        for (const c of chunk.copies) byPartition[partitionFor(c.key, deps.partitions)]!.push(c);
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
      const messages = byPartition.flatMap((list, q) =>
        bundlesOf(list, markers).map((value) => ({ partition: q, value })),
      );
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

/** Largest bundle of copies, well under the broker's default max.message.bytes (1 MiB). */
const BUNDLE_BYTES = 512 * 1024;

/** One partition's copies in bundles of at most BUNDLE_BYTES; the markers go in the last, after every copy. */
function bundlesOf(copies: readonly BundledCopy[], markers: readonly Marker[]): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < copies.length; i++) {
    const c = copies[i]!;
    const size = 8 + c.field.length + c.key.length + c.value.length;
    if (bytes + size > BUNDLE_BYTES && i > start) {
      out.push(encodeBundle([], copies.slice(start, i)));
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  out.push(encodeBundle(markers, copies.slice(start)));
  return out;
}
