import type { EventSlice, KeyLookup } from '@fraud/model';

/**
 * The wire of partitioned entity state (docs/scorer.md, "Entity state partitioned by Kafka").
 *
 * `entity-events` is written by the repartition stage (repartition.ts), one bundle record per
 * entity partition per write (encodeBundle): the copies of the valid payments of the write's
 * batches, one per entity field the specs read, each in the partition of its key (murmur2, like
 * kafkajs's default partitioner), with the payment's Avro bytes as read from `transactions`; then
 * the markers of those batches. Reading a marker of `transactions` partition p means every copy
 * of p's payments in [from, next) has been read, for the fields it lists.
 */

/** Progress of one `transactions` partition's copies, as of the chunk that wrote the marker. */
export interface Marker {
  /** The `transactions` partition. */
  p: number;
  /** Offset of the batch's first record (a string: offsets are 64-bit). */
  from: string;
  /** Offset after the batch's last record. */
  next: string;
  /** The entity fields the batch's payments were copied for (the specs in force then). */
  fields: string[];
  /** Newest eventTime of the batch's valid payments (null: none); readers keep the maximum per partition. */
  newest: number | null;
  /** Newest Kafka timestamp of the batch's records (null: none). */
  appended: number | null;
}

/** One copy of a payment in a bundle. */
export interface BundledCopy {
  field: string;
  key: string;
  /** The payment's Avro bytes as read from `transactions`. */
  value: Buffer;
}

/** The version byte of a bundle (a record of entity-events). */
const BUNDLE_V1 = 1;

/**
 * One record of entity-events: the copies of one write for one entity partition, then the
 * markers of every batch that write carried. Binary: version byte, u32 length + markers JSON,
 * u32 count, then per copy u16 + field, u16 + key, u32 + value (big-endian). One record per
 * entity partition per write: kafkajs spends tens of microseconds per record it produces or
 * fetches, so one record per copy cost more than the copy's decode.
 */
export function encodeBundle(markers: readonly Marker[], copies: readonly BundledCopy[]): Buffer {
  const json = encodeMarkers(markers);
  let size = 1 + 4 + json.length + 4;
  const parts = copies.map((c) => {
    const field = Buffer.from(c.field);
    const key = Buffer.from(c.key);
    size += 2 + field.length + 2 + key.length + 4 + c.value.length;
    return { field, key, value: c.value };
  });
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8(BUNDLE_V1, 0);
  at = out.writeUInt32BE(json.length, at);
  at += json.copy(out, at);
  at = out.writeUInt32BE(parts.length, at);
  for (const p of parts) {
    at = out.writeUInt16BE(p.field.length, at);
    at += p.field.copy(out, at);
    at = out.writeUInt16BE(p.key.length, at);
    at += p.key.copy(out, at);
    at = out.writeUInt32BE(p.value.length, at);
    at += p.value.copy(out, at);
  }
  return out;
}

/** A bundle's markers and copies, or null when the bytes are not a bundle. */
export function decodeBundle(b: Buffer | null): { markers: Marker[]; copies: BundledCopy[] } | null {
  if (b === null || b.length < 9 || b.readUInt8(0) !== BUNDLE_V1) return null;
  try {
    let at = 1;
    const jsonLength = b.readUInt32BE(at);
    at += 4;
    const markers = decodeMarkers(b.subarray(at, at + jsonLength));
    if (markers === null) return null;
    at += jsonLength;
    const count = b.readUInt32BE(at);
    at += 4;
    const copies: BundledCopy[] = [];
    for (let i = 0; i < count; i++) {
      const fl = b.readUInt16BE(at);
      const field = b.toString('utf8', at + 2, at + 2 + fl);
      at += 2 + fl;
      const kl = b.readUInt16BE(at);
      const key = b.toString('utf8', at + 2, at + 2 + kl);
      at += 2 + kl;
      const vl = b.readUInt32BE(at);
      if (at + 4 + vl > b.length) return null;
      copies.push({ field, key, value: b.subarray(at + 4, at + 4 + vl) });
      at += 4 + vl;
    }
    return at === b.length ? { markers, copies } : null;
  } catch {
    // Truncated: readUInt* threw past the end.
    return null;
  }
}

/** One marker record: the progress of every batch of one flush (group commit) of the repartition stage. */
export function encodeMarkers(ms: readonly Marker[]): Buffer {
  return Buffer.from(JSON.stringify(ms));
}

/** The markers of one record, or null when the bytes are not markers (logged by the caller and skipped). */
export function decodeMarkers(b: Buffer | null): Marker[] | null {
  if (b === null) return null;
  try {
    const list = JSON.parse(b.toString('utf8')) as unknown;
    if (!Array.isArray(list)) return null;
    const out: Marker[] = [];
    for (const x of list) {
      const m = markerOf(x as Partial<Marker>);
      if (m === null) return null;
      out.push(m);
    }
    return out;
  } catch {
    // Not JSON: not markers.
    return null;
  }
}

function markerOf(m: Partial<Marker> | null): Marker | null {
  if (typeof m !== 'object' || m === null) return null;
  const offset = (x: unknown): x is string => typeof x === 'string' && /^\d+$/.test(x);
  if (typeof m.p !== 'number' || !offset(m.next) || !offset(m.from)) return null;
  if (!Array.isArray(m.fields) || !m.fields.every((f) => typeof f === 'string')) return null;
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return { p: m.p, from: m.from, next: m.next, fields: m.fields, newest: num(m.newest), appended: num(m.appended) };
}

/** A lookup at the owner of one entity partition. */
export interface LookupRequest {
  /** Content hash of the spec whose views are asked. */
  spec: string;
  /** The entity partition (= the `transactions` partition its owner owns). */
  partition: number;
  /** The chunk's newest eventTime: the owner answers once it holds every event before it. */
  t: number;
  /** The chunk's newest Kafka timestamp (the barrier's end probe starts after it). */
  appendedBy: number;
  /** Longest the owner waits for its barrier (0: answer with what it holds). */
  waitMs: number;
  keys: KeyLookup[];
}

export type LookupStatus = 'ready' | 'lagging';

export type LookupAnswer =
  | { kind: 'answer'; status: LookupStatus; slices: Array<EventSlice | null> }
  /** This instance does not own the partition (a stale owner map). */
  | { kind: 'not_owner' }
  /** It owns it and is still reading its history, or does not run the spec (yet). */
  | { kind: 'not_ready'; why: string };

/** JSON of a request: keys as [store, key, tMin, tMax] tuples. */
export function encodeRequest(r: LookupRequest): string {
  return JSON.stringify({
    spec: r.spec,
    partition: r.partition,
    t: r.t,
    appendedBy: Number.isFinite(r.appendedBy) ? r.appendedBy : null,
    waitMs: r.waitMs,
    keys: r.keys.map((k) => [k.store, k.key, k.tMin, k.tMax]),
  });
}

/** The request in a body, or a message saying what is wrong with it. */
export function decodeRequest(body: unknown): LookupRequest | string {
  if (typeof body !== 'object' || body === null) return 'body: a JSON object expected';
  const b = body as Record<string, unknown>;
  if (typeof b.spec !== 'string') return 'spec: a string expected';
  if (!Number.isInteger(b.partition) || (b.partition as number) < 0) return 'partition: an integer >= 0 expected';
  if (typeof b.t !== 'number') return 't: a number expected';
  if (typeof b.waitMs !== 'number' || b.waitMs < 0 || b.waitMs > 60_000) return 'waitMs: 0..60000 expected';
  if (!Array.isArray(b.keys)) return 'keys: an array expected';
  const keys: KeyLookup[] = [];
  for (const k of b.keys as unknown[]) {
    if (!Array.isArray(k) || k.length !== 4) return 'keys: [store, key, tMin, tMax] tuples expected';
    const [store, key, tMin, tMax] = k as unknown[];
    if (!Number.isInteger(store) || typeof key !== 'string' || typeof tMin !== 'number' || typeof tMax !== 'number')
      return 'keys: [store, key, tMin, tMax] tuples expected';
    keys.push({ store: store as number, key, tMin, tMax });
  }
  const appendedBy = typeof b.appendedBy === 'number' ? b.appendedBy : -Infinity;
  return { spec: b.spec, partition: b.partition as number, t: b.t, appendedBy, waitMs: b.waitMs, keys };
}

/** JSON of an answer's slices: NaN (a missing numeric column) travels as null. */
export function encodeSlices(status: LookupStatus, slices: ReadonlyArray<EventSlice | null>): string {
  return JSON.stringify({
    status,
    slices: slices.map((s) => (s === null ? null : [s.nums.map((x) => (Number.isNaN(x) ? null : x)), s.strs])),
  });
}

export function decodeSlices(
  body: unknown,
  expected: number,
): { status: LookupStatus; slices: Array<EventSlice | null> } {
  const b = body as { status?: unknown; slices?: unknown };
  if ((b?.status !== 'ready' && b?.status !== 'lagging') || !Array.isArray(b.slices) || b.slices.length !== expected) {
    throw new Error(`not an entity lookup answer for ${expected} keys`);
  }
  const slices = (b.slices as unknown[]).map((s): EventSlice | null => {
    if (s === null) return null;
    const [nums, strs] = s as [Array<number | null>, Array<string | null>];
    return { nums: nums.map((x) => (x === null ? NaN : x)), strs };
  });
  return { status: b.status, slices };
}
