/**
 * The events of one entity key, column by column (parallel arrays, index = event). Which
 * columns exist is fixed by the compiled spec (plan.ts): only what some feature reads is kept.
 * `masks` holds one bit per filter of the entity, computed once when the event is added.
 */
export interface EventList {
  times: number[];
  txIds: string[];
  masks: number[];
  num: number[][];
  str: (string | null)[][];
}

export function emptyEvents(numCols: number, strCols: number): EventList {
  const num: number[][] = [];
  for (let i = 0; i < numCols; i++) num.push([]);
  const str: (string | null)[][] = [];
  for (let i = 0; i < strCols; i++) str.push([]);
  return { times: [], txIds: [], masks: [], num, str };
}

/** Column values of one event, reused by the caller (no allocation per event). */
export interface EventValues {
  time: number;
  txId: string;
  mask: number;
  num: number[];
  str: (string | null)[];
}

export function pushEvent(e: EventList, v: EventValues, keepTxIds: boolean): void {
  e.times.push(v.time);
  if (keepTxIds) e.txIds.push(v.txId);
  e.masks.push(v.mask);
  for (let c = 0; c < e.num.length; c++) (e.num[c] as number[]).push(v.num[c] as number);
  for (let c = 0; c < e.str.length; c++) (e.str[c] as (string | null)[]).push(v.str[c] as string | null);
}

export function insertEvent(e: EventList, pos: number, v: EventValues): void {
  e.times.splice(pos, 0, v.time);
  e.txIds.splice(pos, 0, v.txId);
  e.masks.splice(pos, 0, v.mask);
  for (let c = 0; c < e.num.length; c++) (e.num[c] as number[]).splice(pos, 0, v.num[c] as number);
  for (let c = 0; c < e.str.length; c++) (e.str[c] as (string | null)[]).splice(pos, 0, v.str[c] as string | null);
}

export function dropFront(e: EventList, n: number): void {
  if (n <= 0) return;
  e.times.splice(0, n);
  if (e.txIds.length > 0) e.txIds.splice(0, n);
  e.masks.splice(0, n);
  for (const col of e.num) col.splice(0, n);
  for (const col of e.str) col.splice(0, n);
}

/** First index whose time is >= t (times sorted ascending). */
export function lowerBoundTime(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose (time, txId) is >= (t, txId) (sorted by time, then txId). */
export function lowerBoundEvent(e: EventList, t: number, txId: string): number {
  let lo = 0;
  let hi = e.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const mt = e.times[mid] as number;
    if (mt < t || (mt === t && (e.txIds[mid] as string) < txId)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose time is > t (times sorted ascending). */
export function upperBoundTime(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
