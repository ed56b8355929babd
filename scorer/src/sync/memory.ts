import { loadAvroSchemas, type AvroSchemas, type ScoredTransaction } from '@fraud/schemas';

/**
 * Kafka header of a payment decided synchronously (the owner's decide endpoint): the Avro-encoded
 * decision, without `source`. The stream path reads it back from `transactions` and writes that
 * decision to `scored` instead of scoring the payment again.
 */
export const DECIDED_HEADER = 'fraud-decided';

/** The Avro type of a remembered decision (parsed once, on first use). */
type ScoredType = AvroSchemas['types']['ScoredTransaction'];
let scoredType: ScoredType | undefined;
const scoredAvro = (): ScoredType => (scoredType ??= loadAvroSchemas().types.ScoredTransaction);

/** Bytes of one slab the remembered decisions are written into (~600 decisions). */
const SLAB_BYTES = 256 * 1024;
/**
 * Slab numbers are reused modulo this: a position (slab number x SLAB_BYTES + offset) stays below
 * 2^30, a small integer V8 keeps in the map's own table instead of a heap number per decision. Up
 * to 1 GiB of decisions per partition; beyond that, the oldest are forgotten first.
 */
const SLABS = 4096;

/**
 * The newest decisions of one input partition by txId, bounded in count (oldest forgotten first).
 * Each is held as its Avro bytes, written one after the other into shared 256 KiB slabs; the map
 * holds only each decision's position, a small integer. 20,000 records per partition as objects
 * (the payment, its reasons, their strings: dozens of objects each) were a third of the scorer's
 * heap at the pipeline bench, and each lived a minute, long enough to be promoted and then marked
 * by every full garbage collection; a Buffer view per decision still cost 120k objects (11 MB) at
 * six partitions. A slab is freed once no decision in it is remembered. A get decodes a fresh
 * copy (only retried txIds ask).
 */
export class DecisionMemory {
  private readonly byId = new Map<string, number>();
  private readonly slabs: (Buffer | undefined)[] = [];
  /** Remembered decisions per slab number. */
  private readonly live: number[] = [];
  /** The slab being written (-1: none yet), and its bytes used. */
  private current = -1;
  private used = 0;

  /** `layout`: smaller slabs, fewer slab numbers (tests); positions need slabBytes x slabs <= 2^30. */
  constructor(
    readonly capacity: number,
    private readonly layout = { slabBytes: SLAB_BYTES, slabs: SLABS },
  ) {}

  get(txId: string): ScoredTransaction | undefined {
    const at = this.byId.get(txId);
    if (at === undefined) return undefined;
    const slab = this.slabs[Math.floor(at / this.layout.slabBytes)] as Buffer;
    return scoredAvro().decode(slab, at % this.layout.slabBytes).value as ScoredTransaction;
  }

  set(txId: string, decision: ScoredTransaction): void {
    if (this.capacity <= 0) return;
    const at = this.write(decision);
    this.forget(txId);
    this.byId.set(txId, at);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.byId.size > this.capacity) this.forget(this.byId.keys().next().value as string);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Slabs holding remembered decisions (for tests: freed slabs are not). */
  get slabsInUse(): number {
    return this.slabs.filter((s) => s !== undefined).length;
  }

  private forget(txId: string): void {
    const at = this.byId.get(txId);
    if (at === undefined) return;
    this.byId.delete(txId);
    const n = Math.floor(at / this.layout.slabBytes);
    const left = (this.live[n] as number) - 1;
    this.live[n] = left;
    if (left === 0 && n !== this.current) this.slabs[n] = undefined;
  }

  /** Writes the decision's Avro bytes into the current slab, or a new one; its position. */
  private write(decision: ScoredTransaction): number {
    const type = scoredAvro();
    // avsc's encode returns the end position, or a negative number when the bytes do not fit.
    if (this.current >= 0) {
      const end = type.encode(decision, this.slabs[this.current] as Buffer, this.used);
      if (end >= 0) return this.place(this.current, end);
    }
    const previous = this.current;
    const n = (this.current + 1) % this.layout.slabs;
    // Slab numbers came round: the decisions still in this one are the oldest; forget them.
    while ((this.live[n] ?? 0) > 0) this.forget(this.byId.keys().next().value as string);
    if (previous >= 0 && this.live[previous] === 0) this.slabs[previous] = undefined;
    this.current = n;
    this.live[n] = 0;
    this.used = 0;
    let slab: Buffer = Buffer.allocUnsafeSlow(this.layout.slabBytes);
    let end = type.encode(decision, slab, 0);
    // Larger than a slab (never seen: decisions are ~0.4 KB): a slab of its own size, then full.
    if (end < 0) end = (slab = type.toBuffer(decision)).length;
    this.slabs[n] = slab;
    return this.place(n, end);
  }

  private place(n: number, end: number): number {
    const at = n * this.layout.slabBytes + this.used;
    this.used = end;
    this.live[n] = (this.live[n] as number) + 1;
    return at;
  }
}

/** What a partition task keeps for the synchronous path, beside its feature state. */
export interface SyncTaskState {
  /**
   * txIds this task decided synchronously whose record the stream path has not read back yet:
   * they are in the feature state already, so the stream only writes their decision to `scored`.
   */
  pending: Set<string>;
  /**
   * The subset of `pending` whose write to `transactions` has not succeeded yet: while one is,
   * the state holds a payment Kafka may never hold, and no snapshot of it may be taken.
   */
  unwritten: Set<string>;
  /** Recent decisions (stream and synchronous), so a retried txId gets the same answer. */
  decided: DecisionMemory;
  /** The input partition's end offset when the task opened: it answers once its position is there. */
  caughtUpAt: bigint;
}

/** `ahead`: synchronous decisions a restored snapshot holds that the stream has not read back yet. */
export function newSyncTaskState(capacity: number, caughtUpAt: bigint, ahead: readonly string[] = []): SyncTaskState {
  return { pending: new Set(ahead), unwritten: new Set(), decided: new DecisionMemory(capacity), caughtUpAt };
}
