import type { Label } from '@fraud/schemas';
import { MinHeap } from './heap.ts';
import type { Rng } from './rng.ts';

/** How long the truth takes to arrive, in simulated milliseconds. Delay 0 is allowed. */
export type DelayDistribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number; minMs: number; maxMs: number };

export interface LabelPolicy {
  fraudDelay: DelayDistribution;
  legitDelay: DelayDistribution;
  /** Fraction of legitimate transactions that get a label (fraud is always labelled). */
  legitSampleRate: number;
}

/** Fraud confirmed after minutes to days (median 6 h); legitimate after a 1-day maturity window. */
export const DEFAULT_LABEL_POLICY: LabelPolicy = {
  fraudDelay: { kind: 'lognormal', medianMs: 6 * 3_600_000, sigma: 1.2, minMs: 5 * 60_000, maxMs: 3 * 86_400_000 },
  legitDelay: { kind: 'fixed', ms: 86_400_000 },
  legitSampleRate: 1,
};

export function sampleDelay(d: DelayDistribution, rng: Rng): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return Math.round(rng.uniform(d.minMs, d.maxMs));
    case 'lognormal': {
      const v = d.medianMs * Math.exp(d.sigma * rng.normal());
      return Math.round(Math.min(d.maxMs, Math.max(d.minMs, v)));
    }
  }
}

export interface PendingLabel {
  dueAt: number;
  label: Label;
}

/**
 * Decides whether and when a transaction's truth is published. Returns undefined for
 * legitimate transactions left out by the sampling rate.
 */
export function planLabel(
  policy: LabelPolicy,
  rng: Rng,
  tx: { txId: string; eventTime: number },
  isFraud: boolean,
  typology: string | null,
  author = 'simulator',
): PendingLabel | undefined {
  if (!isFraud && policy.legitSampleRate < 1 && rng.next() >= policy.legitSampleRate) return undefined;
  const dueAt = tx.eventTime + sampleDelay(isFraud ? policy.fraudDelay : policy.legitDelay, rng);
  return {
    dueAt,
    label: {
      txId: tx.txId,
      isFraud,
      source: 'SIMULATION',
      labeledAt: dueAt,
      note: null,
      typology: isFraud ? typology : null,
      author,
    },
  };
}

/**
 * Holds labels until simulated time reaches their due time, then releases them in due-time
 * order (ties in scheduling order), so the labels topic is ordered by simulated time.
 */
export interface LabelScheduler {
  schedule(pending: PendingLabel): void;
  /** Removes and returns every label due at or before `now`, oldest first. */
  due(now: number): Label[];
  /** Removes and returns everything still pending, in due order (end of a bounded run). */
  drain(): Label[];
  readonly size: number;
}

export function createLabelScheduler(): LabelScheduler {
  const heap = new MinHeap<{ at: number; seq: number; label: Label }>();
  let seq = 0;
  const popUntil = (limit: number): Label[] => {
    const out: Label[] = [];
    for (let top = heap.peek(); top !== undefined && top.at <= limit; top = heap.peek()) {
      out.push(heap.pop()!.label);
    }
    return out;
  };
  return {
    schedule: (p) => heap.push({ at: p.dueAt, seq: seq++, label: p.label }),
    due: (now) => (heap.size === 0 || heap.peek()!.at > now ? [] : popUntil(now)),
    drain: () => popUntil(Infinity),
    get size() {
      return heap.size;
    },
  };
}
