import { intern } from '@fraud/common';
import { countOf, dropFront, emptyEvents, pushEvent, timeAt, type EventList } from './events.ts';
import { COUNT, MAX, SUM, SUMSQ, type EntityPlan } from './plan.ts';
import type { ResolvedBounds } from '../spec/validate.ts';
import type { ValuesScratch } from './values.ts';

/**
 * The history of one origin account (the partition key) in its partition. Transactions are
 * keyed by origin, so the partition that owns an origin sees all of them, in partition order:
 * origin features read every earlier transaction of the origin in that order (offline: the
 * file sorted by eventTime), including earlier ones with the same eventTime.
 */
export interface OriginEntry extends EventList {
  /** Largest eventTime of the origin; the entry expires when idle (watermark - lastSeen) > retention. */
  lastSeen: number;
  /**
   * The event columns (inherited) hold the windowed events: the newest maxEvents, older than the
   * longest window pruned. `vals` holds, at the plan's offsets, the time of the previous event
   * per remembered filter (NaN when none passed it yet), the previous event's numeric columns
   * (whatever the windows pruned) and the running accumulators over "all". One array, so a new
   * origin (most PaySim rows) costs few allocations.
   */
  vals: number[];
  lastStr: (string | null)[];
  lastMask: number;
  /** Remembered values (isNew, distinct over "all"), least recently seen first, at most maxDistinct. */
  sets: Set<string>[];
}

/** Origin state of one partition; the views are shared by every partition of one process. */
export interface OriginState {
  readonly partition: number | null;
  watermark: number;
  lastSweep: number;
  readonly origins: Map<string, OriginEntry>;
}

export function isExpired(state: OriginState, bounds: ResolvedBounds, lastSeen: number): boolean {
  return state.watermark - lastSeen > bounds.retentionMs;
}

/** The origin's entry if it is live (an expired one is deleted), its windows pruned to the watermark. */
export function liveOrigin(
  state: OriginState,
  plan: EntityPlan,
  bounds: ResolvedBounds,
  key: string,
): OriginEntry | undefined {
  const e = state.origins.get(key);
  if (e === undefined) return undefined;
  if (isExpired(state, bounds, e.lastSeen)) {
    state.origins.delete(key);
    return undefined;
  }
  const count = countOf(e);
  if (count > 0) {
    const horizon = state.watermark - plan.scanMs;
    let n = 0;
    while (n < count && timeAt(e, n) <= horizon) n++;
    dropFront(e, n);
  }
  return e;
}

const NO_STR: (string | null)[] = [];
const NO_SETS: Set<string>[] = [];

/** A new entry, built as one object literal (one hidden class for every entry: fast property reads). */
function newEntry(plan: EntityPlan, t: number): OriginEntry {
  const cols = emptyEvents(plan.layout);
  return {
    nums: cols.nums,
    strs: cols.strs,
    S: cols.S,
    R: cols.R,
    so: cols.so,
    lastSeen: t,
    vals: plan.initialVals.slice(),
    lastStr: plan.needsLastStr ? new Array<string | null>(plan.strFields.length).fill(null) : NO_STR,
    lastMask: 0,
    sets: plan.sets.length === 0 ? NO_SETS : newSets(plan.sets.length),
  };
}

function newSets(n: number): Set<string>[] {
  const sets: Set<string>[] = [];
  for (let i = 0; i < n; i++) sets.push(new Set<string>());
  return sets;
}

/** Folds a transaction into its origin's entry, after the row's features were written. */
export function foldOrigin(
  state: OriginState,
  plan: EntityPlan,
  bounds: ResolvedBounds,
  key: string,
  found: OriginEntry | undefined,
  v: ValuesScratch,
): void {
  const t = v.time;
  const e = found ?? newEntry(plan, t);
  state.origins.delete(key);
  state.origins.set(intern(key), e); // last-touch order: the sweep stops at the first live entry
  if (t > e.lastSeen) e.lastSeen = t;
  const vals = e.vals;
  for (let i = 0; i < plan.prevBits.length; i++) {
    const bit = plan.prevBits[i] as number;
    if ((v.mask & bit) === bit) vals[i] = t;
  }
  const numAt = plan.lastNumAt;
  for (let c = 0; c < v.num.length; c++) vals[numAt + c] = v.num[c] as number;
  if (plan.needsLastStr) for (let c = 0; c < v.str.length; c++) e.lastStr[c] = v.str[c] as string | null;
  e.lastMask = v.mask;
  const lifeAt = plan.lifeAt;
  for (let i = 0; i < plan.lifetime.length; i++) {
    const a = plan.lifetime[i] as EntityPlan['lifetime'][number];
    if ((v.mask & a.bit) !== a.bit) continue;
    const x = a.col < 0 ? 0 : (v.num[a.col] as number);
    const cur = vals[lifeAt + i] as number;
    if (a.kind === COUNT) vals[lifeAt + i] = cur + 1;
    else if (a.kind === SUM) vals[lifeAt + i] = cur + x;
    else if (a.kind === SUMSQ) vals[lifeAt + i] = cur + x * x;
    else if (a.kind === MAX) vals[lifeAt + i] = Number.isNaN(cur) || x > cur ? x : cur;
  }
  if (plan.aggs.length > 0) {
    pushEvent(e, v);
    if (countOf(e) > bounds.maxEvents) dropFront(e, 1);
  }
  for (let i = 0; i < plan.sets.length; i++) {
    const value = v.str[plan.sets[i] as number];
    if (value === null || value === undefined) continue;
    const set = e.sets[i] as Set<string>;
    set.delete(value);
    set.add(value);
    if (set.size > bounds.maxDistinct) {
      const oldest = set.values().next();
      if (oldest.done !== true) set.delete(oldest.value);
    }
  }
}

/**
 * Deletes entries idle longer than the retention: a no-op for feature values, because an
 * expired entry reads as absent whether it was swept or not. The map is in last-touch order, so
 * the sweep stops at the first live entry.
 */
export function sweepOrigins(state: OriginState, bounds: ResolvedBounds): void {
  if (state.watermark - state.lastSweep < 3_600_000) return;
  state.lastSweep = state.watermark;
  for (const [k, e] of state.origins) {
    if (!isExpired(state, bounds, e.lastSeen)) break;
    state.origins.delete(k);
  }
}
