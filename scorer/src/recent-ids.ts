import { intern } from '@fraud/common';

/**
 * The txIds most recently scored on one input partition, bounded in count (oldest forgotten
 * first). A publisher's retry of a transaction carries the same txId and key, so it lands on the
 * same partition: the scorer dead-letters it as DUPLICATE_TX_ID instead of scoring it twice.
 * Rebuilt with the feature state from `scored` when a partition is (re)assigned.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(Math.max(0, capacity));
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(txId: string): void {
    if (this.capacity === 0 || this.ids.has(txId)) return;
    // The feature state holds the same txIds: one string object for both.
    const id = intern(txId);
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** The remembered txIds, oldest first (adding them in this order to an empty window rebuilds this one). */
  list(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const id = this.ring[(this.next + i) % this.capacity];
      if (id !== undefined) out.push(id);
    }
    return out;
  }
}
