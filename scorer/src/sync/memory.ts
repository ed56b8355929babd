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
 * The newest decisions of one input partition by txId, bounded in count (oldest forgotten first).
 * Each is held as its Avro bytes, written one after the other into shared 256 KiB slabs: one small
 * view object per decision. 20,000 records per partition as objects (the payment, its reasons,
 * their strings: dozens of objects each) were a third of the scorer's heap at the pipeline bench,
 * and each lived a minute, long enough to be promoted and then marked by every full garbage
 * collection; a Buffer of its own per decision still cost three objects and an external
 * allocation. A slab is freed once every decision in it is forgotten. A get decodes a fresh copy
 * (only retried txIds ask).
 */
export class DecisionMemory {
  private readonly byId = new Map<string, Buffer>();
  private slab: Buffer | null = null;
  private used = 0;

  constructor(readonly capacity: number) {}

  get(txId: string): ScoredTransaction | undefined {
    const bytes = this.byId.get(txId);
    return bytes === undefined ? undefined : (scoredAvro().fromBuffer(bytes) as ScoredTransaction);
  }

  set(txId: string, decision: ScoredTransaction): void {
    if (this.capacity <= 0) return;
    const bytes = this.write(decision);
    this.byId.delete(txId);
    this.byId.set(txId, bytes);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The decision's Avro bytes in the current slab (a new slab when it does not fit). */
  private write(decision: ScoredTransaction): Buffer {
    const type = scoredAvro();
    // avsc's encode returns the end position, or a negative number when the bytes do not fit.
    if (this.slab !== null) {
      const end = type.encode(decision, this.slab, this.used);
      if (end >= 0) return this.slab.subarray(this.used, (this.used = end));
    }
    this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.used = 0;
    const end = type.encode(decision, this.slab, 0);
    // Larger than a slab (never seen: decisions are ~0.4 KB): a Buffer of its own.
    if (end < 0) return type.toBuffer(decision);
    return this.slab.subarray(0, (this.used = end));
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
