import {
  countOf,
  lowerBoundTime,
  maskAt,
  numAt,
  strAt,
  timeAt,
  txIdAt,
  upperBoundTime,
  type EventList,
} from './events.ts';
import type { LabelView } from './labels.ts';
import type { OriginEntry } from './origin.ts';
import { COUNT, DISTINCT, FRAUD, LABELLED, MAX, SUM, SUMSQ, type Agg, type EntityPlan } from './plan.ts';
import type { ResolvedBounds } from '../spec/validate.ts';

/**
 * What one row's lookup found for one entity, filled before the features are evaluated and
 * reused for every row (no allocation on the hot path).
 */
export interface EntityScan {
  /** Origin: the live entry, or undefined when the origin has no (live) history. */
  entry: OriginEntry | undefined;
  /** The key's events (origin: the entry's windowed events), or null. */
  events: EventList | null;
  /** Views: events [start, end) are the ones a lookup at t may see (before t, at most maxEvents). */
  start: number;
  end: number;
  /** Views: index of the previous event (end - 1) when within the retention, else -1. */
  prev: number;
  /** One value per plan.aggs entry. */
  acc: Float64Array;
  /** Scratch sets of the DISTINCT aggregators (null for the others). */
  sets: (Set<string> | null)[];
}

export function newScan(plan: EntityPlan): EntityScan {
  return {
    entry: undefined,
    events: null,
    start: 0,
    end: 0,
    prev: -1,
    acc: new Float64Array(plan.aggs.length),
    sets: plan.aggs.map((a) => (a.kind === DISTINCT ? new Set<string>() : null)),
  };
}

function reset(plan: EntityPlan, scan: EntityScan): void {
  const aggs = plan.aggs;
  for (let j = 0; j < aggs.length; j++) {
    const a = aggs[j] as Agg;
    scan.acc[j] = a.kind === MAX ? NaN : 0;
    if (a.kind === DISTINCT) {
      // clear() allocates a new table even when empty: skip it for the sets no event touched.
      const set = scan.sets[j] as Set<string>;
      if (set.size > 0) set.clear();
    }
  }
}

/** Adds event i (age = t - its time) to every aggregator whose window and filter it is in. */
function accumulate(
  plan: EntityPlan,
  scan: EntityScan,
  d: EventList,
  i: number,
  age: number,
  labels: LabelView,
  t: number,
): void {
  const aggs = plan.aggs;
  const mask = maskAt(d, i);
  const acc = scan.acc;
  for (let j = 0; j < aggs.length; j++) {
    const a = aggs[j] as Agg;
    if (age >= a.windowMs || (mask & a.bit) !== a.bit) continue;
    switch (a.kind) {
      case COUNT:
        acc[j] = (acc[j] as number) + 1;
        break;
      case SUM:
        acc[j] = (acc[j] as number) + numAt(d, i, a.col);
        break;
      case SUMSQ: {
        const x = numAt(d, i, a.col);
        acc[j] = (acc[j] as number) + x * x;
        break;
      }
      case MAX: {
        const x = numAt(d, i, a.col);
        const cur = acc[j] as number;
        if (Number.isNaN(cur) || x > cur) acc[j] = x;
        break;
      }
      case DISTINCT: {
        const v = strAt(d, i, a.col);
        if (v !== null && v !== undefined) (scan.sets[j] as Set<string>).add(v);
        break;
      }
      case LABELLED:
      case FRAUD: {
        const verdict = labels.verdict(txIdAt(d, i), t);
        if (verdict >= 0 && (a.kind === LABELLED || verdict === 1)) acc[j] = (acc[j] as number) + 1;
        break;
      }
    }
  }
}

function finishDistinct(plan: EntityPlan, scan: EntityScan): void {
  for (let j = 0; j < plan.aggs.length; j++) {
    if ((plan.aggs[j] as Agg).kind === DISTINCT) scan.acc[j] = (scan.sets[j] as Set<string>).size;
  }
}

/** Origin lookup: every kept earlier event of the origin with eventTime <= t, in partition order. */
export function scanOrigin(
  plan: EntityPlan,
  scan: EntityScan,
  entry: OriginEntry | undefined,
  t: number,
  labels: LabelView,
): void {
  scan.entry = entry;
  reset(plan, scan);
  if (entry === undefined || plan.aggs.length === 0) {
    scan.events = null;
    return;
  }
  const d = entry;
  scan.events = d;
  const n = countOf(d);
  for (let i = 0; i < n; i++) {
    const s = timeAt(d, i);
    if (s > t) continue;
    accumulate(plan, scan, d, i, t - s, labels, t);
  }
  finishDistinct(plan, scan);
}

/** View lookup: the key's events strictly before t, at most maxEvents, none older than the retention. */
export function scanView(
  plan: EntityPlan,
  scan: EntityScan,
  d: EventList | undefined,
  t: number,
  labels: LabelView,
  bounds: ResolvedBounds,
): void {
  reset(plan, scan);
  scan.entry = undefined;
  scan.prev = -1;
  scan.start = 0;
  scan.end = 0;
  scan.events = d ?? null;
  if (d === undefined) return;
  const end = lowerBoundTime(d, t);
  scan.end = end;
  if (end === 0 || t - timeAt(d, end - 1) > bounds.retentionMs) return;
  scan.prev = end - 1;
  if (plan.uncapped) {
    // Frequency stores: exact counts over the window by binary search (COUNT aggregators only).
    for (let j = 0; j < plan.aggs.length; j++) {
      scan.acc[j] = end - upperBoundTime(d, t - (plan.aggs[j] as Agg).windowMs);
    }
    return;
  }
  const start = Math.max(0, end - bounds.maxEvents);
  scan.start = start;
  const scanMs = plan.scanMs;
  for (let i = end - 1; i >= start; i--) {
    const age = t - timeAt(d, i);
    if (age >= scanMs) break;
    accumulate(plan, scan, d, i, age, labels, t);
  }
  finishDistinct(plan, scan);
}
