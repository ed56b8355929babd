/**
 * The events of one entity key, flat: `nums` holds, per event, [eventTime, filter mask, numeric
 * columns...] (stride S) and `strs` holds [txId, string columns...] (stride R, the txId only when
 * `so` is 1). Two arrays per key, whatever the number of columns, so a new key costs few
 * allocations (most PaySim accounts appear once). Which columns exist is fixed by the compiled
 * spec (plan.ts); the masks hold one bit per filter of the entity, computed when the event is added.
 */
export interface EventList {
  nums: number[];
  strs: (string | null)[];
  /** Stride of nums: 2 + numeric columns. */
  S: number;
  /** Stride of strs: so + string columns (0 when no string is kept). */
  R: number;
  /** 1 when strs starts each event with its txId, else 0. */
  so: number;
}

export interface EventLayout {
  S: number;
  R: number;
  so: number;
}

const NONE: (string | null)[] = [];

export function emptyEvents(layout: EventLayout): EventList {
  return { nums: [], strs: layout.R === 0 ? NONE : [], S: layout.S, R: layout.R, so: layout.so };
}

/** Column values of one event, reused by the caller (no allocation per event). */
export interface EventValues {
  time: number;
  txId: string;
  mask: number;
  num: number[];
  str: (string | null)[];
}

export const countOf = (e: EventList): number => e.nums.length / e.S;
export const timeAt = (e: EventList, i: number): number => e.nums[i * e.S] as number;
export const maskAt = (e: EventList, i: number): number => e.nums[i * e.S + 1] as number;
export const numAt = (e: EventList, i: number, c: number): number => e.nums[i * e.S + 2 + c] as number;
export const txIdAt = (e: EventList, i: number): string => e.strs[i * e.R] as string;
export const strAt = (e: EventList, i: number, c: number): string | null => e.strs[i * e.R + e.so + c] ?? null;

export function pushEvent(e: EventList, v: EventValues): void {
  const nums = e.nums;
  nums.push(v.time, v.mask);
  for (let c = 0; c < v.num.length; c++) nums.push(v.num[c] as number);
  if (e.R === 0) return;
  const strs = e.strs;
  if (e.so === 1) strs.push(v.txId);
  for (let c = 0; c < v.str.length; c++) strs.push(v.str[c] as string | null);
}

/** Inserts an event at index pos (out-of-order arrivals in views; rare). */
export function insertEvent(e: EventList, pos: number, v: EventValues): void {
  const at = pos * e.S;
  e.nums.splice(at, 0, v.time, v.mask, ...v.num);
  if (e.R === 0) return;
  const row: (string | null)[] = e.so === 1 ? [v.txId, ...v.str] : [...v.str];
  e.strs.splice(pos * e.R, 0, ...row);
}

export function dropFront(e: EventList, n: number): void {
  if (n <= 0) return;
  e.nums.splice(0, n * e.S);
  if (e.R > 0) e.strs.splice(0, n * e.R);
}

/** First index whose time is >= t (times ascending). */
export function lowerBoundTime(e: EventList, t: number): number {
  let lo = 0;
  let hi = countOf(e);
  const { nums, S } = e;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((nums[mid * S] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose time is > t (times ascending). */
export function upperBoundTime(e: EventList, t: number): number {
  let lo = 0;
  let hi = countOf(e);
  const { nums, S } = e;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((nums[mid * S] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose (time, txId) is >= (t, txId) (sorted by time, then txId; txIds kept). */
export function lowerBoundEvent(e: EventList, t: number, txId: string): number {
  let lo = 0;
  let hi = countOf(e);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const mt = timeAt(e, mid);
    if (mt < t || (mt === t && txIdAt(e, mid) < txId)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
