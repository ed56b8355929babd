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

/**
 * The newest decisions of one input partition by txId, bounded in count (oldest forgotten first).
 * Each is held as its Avro bytes (~0.5 KB in one Buffer), not as the record: 20,000 records per
 * partition as objects (the payment, its reasons, their strings: dozens of objects each) were a
 * third of the scorer's heap at the pipeline bench, and every one of them lived a minute, long
 * enough to be promoted and then marked by every full garbage collection; the bytes cost the
 * collector one object each. A get decodes a fresh copy (only retried txIds ask).
 */
export class DecisionMemory {
  private readonly byId = new Map<string, Buffer>();

  constructor(readonly capacity: number) {}

  get(txId: string): ScoredTransaction | undefined {
    const bytes = this.byId.get(txId);
    return bytes === undefined ? undefined : (scoredAvro().fromBuffer(bytes) as ScoredTransaction);
  }

  set(txId: string, decision: ScoredTransaction): void {
    if (this.capacity <= 0) return;
    // The decision was written to Kafka with this schema already: it encodes.
    const bytes = scoredAvro().toBuffer(decision);
    this.byId.delete(txId);
    this.byId.set(txId, bytes);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string);
  }

  get size(): number {
    return this.byId.size;
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
