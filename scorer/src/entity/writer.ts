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

/** The progress marker of one batch (the owners keep the newest eventTime of each partition). */
export function markerOf(chunk: Omit<EntityChunk, 'copies'>): Marker {
  return {
    p: chunk.partition,
    from: chunk.from.toString(),
    next: chunk.next.toString(),
    fields: [...chunk.fields],
    newest: Number.isFinite(chunk.newest) ? chunk.newest : null,
    appended: Number.isFinite(chunk.appendedBy) ? chunk.appendedBy : null,
  };
}

/**
 * A group committer: a write that finds no produce in flight goes out at once; writes that arrive
 * meanwhile go out together in the next one, as ONE bundle record per entity partition (its
 * copies, then the markers of every batch the write carries). The repartition stage's concurrent
 * partition batches so share produce requests and markers.
 */
export function createEntityWriter(deps: EntityWriterDeps): EntityWriter {
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
        markers.push(markerOf(chunk));
      }
      const messages = byPartition.flatMap((list, q) =>
        bundlesOf(list, markers).map((value) => ({ partition: q, value })),
      );
      try {
        // In order, one request after the other: a partition's bundles keep their order, its
        // markers (in its last bundle) go out last, and a failure stops before them.
        for (const part of sendsOf(messages)) await deps.producer.send({ topic: deps.topic, acks: -1, messages: part });
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

/**
 * Most bytes of one partition in one produce request: kafkajs puts a request's messages for a
 * partition in one record batch, which the broker refuses above max.message.bytes (1 MiB by
 * default; a catch-up flush carries several MiB of copies).
 */
const SEND_PARTITION_BYTES = 768 * 1024;

/** The messages in requests of at most SEND_PARTITION_BYTES per partition, order kept per partition. */
export function sendsOf<M extends { partition: number; value: Buffer }>(messages: readonly M[]): M[][] {
  const sends: M[][] = [];
  const round = new Map<number, number>();
  const bytes: Array<Map<number, number>> = [];
  for (const m of messages) {
    let i = round.get(m.partition) ?? 0;
    for (;;) {
      const used = bytes[i]?.get(m.partition) ?? 0;
      if (used === 0 || used + m.value.length <= SEND_PARTITION_BYTES) break;
      i++;
    }
    round.set(m.partition, i);
    while (sends.length <= i) {
      sends.push([]);
      bytes.push(new Map());
    }
    sends[i]!.push(m);
    bytes[i]!.set(m.partition, (bytes[i]!.get(m.partition) ?? 0) + m.value.length);
  }
  return sends;
}
