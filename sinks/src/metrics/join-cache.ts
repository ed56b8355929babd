import type { Decision } from '@fraud/schemas';

export interface CachedDecision {
  decision: Decision;
  eventTime: number;
  amount: number;
}

/**
 * Recent decisions by txId, bounded: when full the oldest entry goes (Map keeps insertion
 * order). Labels for txIds evicted (or never added) are counted by the caller as unmatched.
 */
export class JoinCache {
  private readonly map = new Map<string, CachedDecision>();
  constructor(private readonly capacity: number) {}

  set(txId: string, d: CachedDecision): void {
    this.map.delete(txId); // a re-scored tx moves to the young end
    this.map.set(txId, d);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  get(txId: string): CachedDecision | undefined {
    return this.map.get(txId);
  }

  get size(): number {
    return this.map.size;
  }
}
