import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { FraudError, type Logger } from '@fraud/common';
import {
  firstHeader,
  readToEnd,
  withAdminRetry,
  type Admin,
  type Kafka,
  type KafkaMessage,
  type OutMessage,
} from '@fraud/kafka';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Per-partition state snapshots on a compacted Kafka topic (`scorer-state`), so the restore of a
 * partition task reads one snapshot and the tail of `scored` after it, not all of `scored`.
 *
 * A snapshot is written in a chunk's own Kafka transaction, after the chunk was scored: it holds
 * the feature state of every spec and the dedupe window exactly as they are once the chunk's
 * input offsets (`next`) are committed, and it commits or aborts with them. `scoredFrom` is an
 * offset of scored[p] at or before the chunk's first decision (the partition's end read before the
 * chunk wrote anything): a restore replays scored[p] from there and skips every decision whose
 * source offset is below `next`, so none is counted twice and none is missed.
 *
 * Layout: the gzipped JSON is cut into parts of at most SNAPSHOT_PART_BYTES, keyed
 * `<partition>/<part>` on partition p of the topic (compaction keeps the newest of each key), with
 * the snapshot id and part count in headers. The newest snapshot whose parts are all there wins.
 */
export const SNAPSHOT_FORMAT = 'fraud-scorer-snapshot/1';
/** Bytes of one part: well under the transactor's request size, so a part never splits a request. */
export const SNAPSHOT_PART_BYTES = 256 * 1024;
/** Compressed snapshots above this are not written (the topic's max.message.bytes is 16 MiB a batch). */
export const SNAPSHOT_MAX_BYTES = 12 * 1024 * 1024;

const ID_HEADER = 'fraud-snapshot-id';
const PART_HEADER = 'fraud-snapshot-part';
const PARTS_HEADER = 'fraud-snapshot-parts';

export interface PartitionSnapshot {
  partition: number;
  /** The input offset after the last payment the state holds (the committed offset it was written with). */
  next: bigint;
  /** An offset of scored[p] at or before the first decision the state does not hold. */
  scoredFrom: bigint;
  /** Wall-clock ms when it was taken. */
  takenAt: number;
  /** Spec hash -> that spec's state snapshot (its own JSON format). */
  states: Record<string, unknown>;
  /** The dedupe window's txIds, oldest first. */
  recent: string[];
  /**
   * Synchronous decisions the states hold beyond `next`: written to `transactions` but not read
   * back by the stream when the snapshot was taken (docs/scorer.md, "Decisions at the owner").
   */
  ahead: string[];
}

interface Wire {
  format: string;
  partition: number;
  next: string;
  scoredFrom: string;
  takenAt: number;
  states: Record<string, unknown>;
  recent: string[];
  ahead?: string[];
}

/** The snapshot as JSON text (synchronous: the caller takes it at a point where the state is consistent). */
export function serialiseSnapshot(s: PartitionSnapshot): string {
  const wire: Wire = {
    format: SNAPSHOT_FORMAT,
    partition: s.partition,
    next: s.next.toString(),
    scoredFrom: s.scoredFrom.toString(),
    takenAt: s.takenAt,
    states: s.states,
    recent: s.recent,
    ahead: s.ahead,
  };
  return JSON.stringify(wire);
}

/** The records of one snapshot (gzipped JSON in parts), or the compressed size when it is too large. */
export async function snapshotMessages(
  topic: string,
  partition: number,
  json: string,
  id: string = randomUUID(),
): Promise<{ messages: OutMessage[]; bytes: number } | { tooLarge: number }> {
  const packed = await gzipAsync(Buffer.from(json, 'utf8'));
  if (packed.length > SNAPSHOT_MAX_BYTES) return { tooLarge: packed.length };
  const parts = Math.max(1, Math.ceil(packed.length / SNAPSHOT_PART_BYTES));
  const messages: OutMessage[] = [];
  for (let i = 0; i < parts; i++) {
    messages.push({
      topic,
      partition,
      key: Buffer.from(`${partition}/${i}`),
      value: packed.subarray(i * SNAPSHOT_PART_BYTES, (i + 1) * SNAPSHOT_PART_BYTES),
      headers: { [ID_HEADER]: id, [PART_HEADER]: String(i), [PARTS_HEADER]: String(parts) },
    });
  }
  return { messages, bytes: packed.length };
}

interface Assembly {
  parts: number;
  chunks: Map<number, Buffer>;
  lastOffset: bigint;
}

const header = (m: Pick<KafkaMessage, 'headers'>, name: string): string | undefined =>
  firstHeader(m.headers, name)?.toString();

/**
 * The compressed bytes of the newest complete snapshot among `messages` (records of one partition
 * of the snapshot topic, in offset order), or null. Parts of older or aborted snapshots are
 * ignored (read_committed never shows aborted ones; compaction may leave stale parts behind).
 */
export function newestComplete(messages: readonly Pick<KafkaMessage, 'headers' | 'value' | 'offset'>[]): Buffer | null {
  const byId = new Map<string, Assembly>();
  for (const m of messages) {
    const id = header(m, ID_HEADER);
    const part = Number(header(m, PART_HEADER));
    const parts = Number(header(m, PARTS_HEADER));
    if (id === undefined || !Number.isInteger(part) || !Number.isInteger(parts) || m.value === null) continue;
    let a = byId.get(id);
    if (a === undefined) {
      a = { parts, chunks: new Map(), lastOffset: -1n };
      byId.set(id, a);
    }
    a.chunks.set(part, m.value);
    a.lastOffset = BigInt(m.offset);
  }
  let best: Assembly | null = null;
  for (const a of byId.values()) {
    if (a.chunks.size !== a.parts) continue;
    if (best === null || a.lastOffset > best.lastOffset) best = a;
  }
  if (best === null) return null;
  const ordered: Buffer[] = [];
  for (let i = 0; i < best.parts; i++) ordered.push(best.chunks.get(i) as Buffer);
  return Buffer.concat(ordered);
}

/** Parses the compressed bytes of one snapshot; RECORD_INVALID naming what is wrong. */
export async function decodeSnapshot(packed: Buffer): Promise<PartitionSnapshot> {
  const invalid = (why: string): never => {
    throw new FraudError('RECORD_INVALID', `state snapshot is invalid: ${why}`);
  };
  let wire: Partial<Wire>;
  try {
    wire = JSON.parse((await gunzipAsync(packed)).toString('utf8')) as Partial<Wire>;
  } catch (err: unknown) {
    return invalid(`not gzipped JSON (${(err as Error).message})`);
  }
  if (wire.format !== SNAPSHOT_FORMAT) invalid(`unknown format ${String(wire.format)}`);
  if (typeof wire.next !== 'string' || typeof wire.scoredFrom !== 'string') invalid('missing offsets');
  if (typeof wire.states !== 'object' || wire.states === null || !Array.isArray(wire.recent)) invalid('missing state');
  if (wire.ahead !== undefined && !Array.isArray(wire.ahead)) invalid('ahead is not a list');
  return {
    partition: Number(wire.partition),
    next: BigInt(wire.next as string),
    scoredFrom: BigInt(wire.scoredFrom as string),
    takenAt: Number(wire.takenAt),
    states: wire.states as Record<string, unknown>,
    recent: wire.recent as string[],
    ahead: wire.ahead ?? [],
  };
}

export interface ReadSnapshotOptions {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  partition: number;
  /** A fresh throwaway group name per read. */
  groupId: string;
  logger: Logger;
  timeoutMs: number;
}

/** First window of offsets read back from the end; widened until a complete snapshot is in it. */
const FIRST_WINDOW = 64n;

/**
 * The newest committed snapshot of one partition, or null when there is none. Reads the tail of
 * the partition (a snapshot's parts are contiguous, followed by its commit marker), widening the
 * window back to the log start when the tail holds no complete snapshot.
 */
export async function readLatestSnapshot(opts: ReadSnapshotOptions): Promise<PartitionSnapshot | null> {
  const { admin, topic, partition, logger } = opts;
  const offsets = await withAdminRetry(
    () => admin.fetchTopicOffsets(topic),
    (err, attempt) =>
      logger.warn({ err: (err as Error).message, attempt, topic }, 'reading snapshot offsets; retrying'),
  );
  const o = offsets.find((x) => x.partition === partition);
  if (o === undefined) return null;
  const low = BigInt(o.low);
  const high = BigInt(o.high);
  if (high <= low) return null;
  let window = FIRST_WINDOW;
  for (;;) {
    const from = high - window > low ? high - window : low;
    const messages: KafkaMessage[] = [];
    await readToEnd({
      kafka: opts.kafka,
      topic,
      groupId: `${opts.groupId}-${window}`,
      partitions: [partition],
      from: { offsets: new Map([[partition, from]]) },
      logger,
      timeoutMs: opts.timeoutMs,
      deleteGroupOnStop: true,
      onMessages: async (batch) => {
        messages.push(...batch);
      },
    });
    const packed = newestComplete(messages);
    if (packed !== null) return decodeSnapshot(packed);
    if (from === low) return null;
    window *= 16n;
  }
}
