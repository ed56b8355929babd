import type { Decision, ScoredTransaction } from '@fraud/schemas';

/** Totals over a span of the stream as the sink received it (wall clock, not event time). */
export interface WindowTotals {
  /** Length of the span, seconds (the sink's uptime for `sinceStart`, at most 300 for `recent`). */
  seconds: number;
  count: number;
  review: number;
  block: number;
  /** Sum of the amounts of BLOCK decisions (mixed currencies are summed as they come). */
  blockedAmount: number;
  /** Share of decisions that were REVIEW or BLOCK (null when no traffic). */
  flaggedRate: number | null;
}

export interface FeedStats {
  /** Start of the one-second window, epoch millis. */
  at: number;
  txPerSecond: number;
  /** Share of decisions that were REVIEW or BLOCK in the one-second window (null when no traffic). */
  fraudRate: number | null;
  /** scoredAt - source.publishedAt, milliseconds (null when no record carried its source). */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  decisions: Record<Decision, number>;
  modelVersion: string | null;
  /**
   * The last five minutes. A one-second window holds no REVIEW or BLOCK most seconds at a
   * realistic fraud rate (0.13% of 200 tx/s is one every 4 s), so rates and sums for the
   * tiles come from here, not from the one-second fields.
   */
  recent: WindowTotals;
  /** Everything since the sink started. */
  sinceStart: WindowTotals;
}

/** Length of the `recent` window. */
export const RECENT_WINDOW_MS = 5 * 60_000;

interface Bucket {
  at: number;
  end: number;
  count: number;
  review: number;
  block: number;
  blockedAmount: number;
}

const emptyBucket = (at: number): Bucket => ({ at, end: at, count: 0, review: 0, block: 0, blockedAmount: 0 });

function totals(buckets: readonly Bucket[], from: number, to: number): WindowTotals {
  const t = emptyBucket(from);
  for (const b of buckets) {
    t.count += b.count;
    t.review += b.review;
    t.block += b.block;
    t.blockedAmount += b.blockedAmount;
  }
  const { count, review, block, blockedAmount } = t;
  const seconds = Math.max(0, (to - from) / 1000);
  return { seconds, count, review, block, blockedAmount, flaggedRate: count ? (review + block) / count : null };
}

/** Nearest-rank percentile of an unsorted sample (sorted in place). */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  values.sort((a, b) => a - b);
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(p * values.length) - 1));
  return values[rank]!;
}

/**
 * One-second aggregates of the scored stream for the console. add() is O(1); flush() closes the
 * window. Latency samples are capped per window (a reservoir would be overkill at 1 s windows).
 */
export class StatsAggregator {
  private count = 0;
  private decisions: Record<Decision, number> = { APPROVE: 0, REVIEW: 0, BLOCK: 0 };
  private latencies: number[] = [];
  private modelVersion: string | null = null;
  private windowStart: number;
  private readonly started: number;
  private current: Bucket;
  /** Closed one-second buckets of the last RECENT_WINDOW_MS, oldest first. */
  private buckets: Bucket[] = [];
  private total: Bucket;

  constructor(
    now: number,
    private readonly maxSamples = 50_000,
  ) {
    this.windowStart = now;
    this.started = now;
    this.current = emptyBucket(now);
    this.total = emptyBucket(now);
  }

  add(s: ScoredTransaction): void {
    this.count++;
    this.decisions[s.decision]++;
    for (const b of [this.current, this.total]) {
      b.count++;
      if (s.decision === 'REVIEW') b.review++;
      if (s.decision === 'BLOCK') {
        b.block++;
        b.blockedAmount += s.transaction.amount;
      }
    }
    this.modelVersion = s.modelVersion;
    if (s.source && this.latencies.length < this.maxSamples)
      this.latencies.push(Math.max(0, s.scoredAt - s.source.publishedAt));
  }

  flush(now: number): FeedStats {
    const seconds = Math.max(0.001, (now - this.windowStart) / 1000);
    const stats: FeedStats = {
      at: this.windowStart,
      txPerSecond: Math.round((this.count / seconds) * 10) / 10,
      fraudRate: this.count ? (this.decisions.REVIEW + this.decisions.BLOCK) / this.count : null,
      latencyP50Ms: percentile(this.latencies, 0.5),
      latencyP99Ms: percentile(this.latencies, 0.99),
      decisions: this.decisions,
      modelVersion: this.modelVersion,
      ...this.closeBucket(now),
    };
    this.count = 0;
    this.decisions = { APPROVE: 0, REVIEW: 0, BLOCK: 0 };
    this.latencies = [];
    this.windowStart = now;
    return stats;
  }

  private closeBucket(now: number): Pick<FeedStats, 'recent' | 'sinceStart'> {
    this.current.end = now;
    this.buckets.push(this.current);
    this.current = emptyBucket(now);
    const from = now - RECENT_WINDOW_MS;
    while (this.buckets.length && this.buckets[0]!.end <= from) this.buckets.shift();
    const recentFrom = Math.max(from, this.buckets[0]?.at ?? now);
    return {
      recent: totals(this.buckets, recentFrom, now),
      sinceStart: totals([this.total], this.started, now),
    };
  }
}
