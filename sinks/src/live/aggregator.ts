import type { Decision, ScoredTransaction } from '@fraud/schemas';

export interface FeedStats {
  /** Start of the one-second window, epoch millis. */
  at: number;
  txPerSecond: number;
  /** Share of decisions that were REVIEW or BLOCK in the window (null when no traffic). */
  fraudRate: number | null;
  /** scoredAt - source.publishedAt, milliseconds (null when no record carried its source). */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  decisions: Record<Decision, number>;
  modelVersion: string | null;
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

  constructor(
    now: number,
    private readonly maxSamples = 50_000,
  ) {
    this.windowStart = now;
  }

  add(s: ScoredTransaction): void {
    this.count++;
    this.decisions[s.decision]++;
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
    };
    this.count = 0;
    this.decisions = { APPROVE: 0, REVIEW: 0, BLOCK: 0 };
    this.latencies = [];
    this.windowStart = now;
    return stats;
  }
}
