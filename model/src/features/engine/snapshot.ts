import { FraudError } from '@fraud/common';
import type { EventList } from './events.ts';
import type { OriginEntry, OriginState } from './origin.ts';

/**
 * JSON form of one partition's origin state. Numbers that JSON cannot hold travel as strings
 * ("NaN", "Infinity", "-Infinity"). The views are not part of a snapshot: they are rebuilt from
 * the topics.
 */
export interface SpecStateSnapshot {
  format: 'fraud-feature-state/3';
  featureSet: string;
  hash: string;
  partition: number | null;
  watermark: JsonNumber;
  lastSweep: JsonNumber;
  /** [key, lastSeen, prevTimes, lastNum, lastStr, lastMask, life, times, txIds, masks, num, str, sets] */
  origins: SnapshotEntry[];
}

type JsonNumber = number | string;
type SnapshotEntry = [
  string,
  JsonNumber,
  JsonNumber[],
  JsonNumber[],
  (string | null)[],
  number,
  JsonNumber[],
  JsonNumber[],
  string[],
  number[],
  JsonNumber[][],
  (string | null)[][],
  string[][],
];

const enc = (x: number): JsonNumber => (Number.isFinite(x) ? x : String(x));
const encAll = (xs: readonly number[]): JsonNumber[] => xs.map(enc);

function dec(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: ${String(x)} is not a number`);
}

function decAll(x: unknown): number[] {
  if (!Array.isArray(x)) throw new FraudError('RECORD_INVALID', 'feature state snapshot is invalid: expected an array');
  return x.map(dec);
}

function strings<T extends string | null>(x: unknown): T[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'string' || v === null)) {
    throw new FraudError('RECORD_INVALID', 'feature state snapshot is invalid: expected an array of strings');
  }
  return [...(x as T[])];
}

export function encodeOrigins(state: OriginState, live: (e: OriginEntry) => boolean): SnapshotEntry[] {
  const out: SnapshotEntry[] = [];
  for (const [k, e] of state.origins) {
    if (!live(e)) continue;
    const d = e.events;
    out.push([
      k,
      enc(e.lastSeen),
      encAll(e.prevTimes),
      encAll(e.lastNum),
      [...e.lastStr],
      e.lastMask,
      encAll(e.life),
      encAll(d.times),
      [...d.txIds],
      [...d.masks],
      d.num.map(encAll),
      d.str.map((c) => [...c]),
      e.sets.map((s) => [...s]),
    ]);
  }
  return out;
}

export function decodeOrigin(row: unknown): [string, OriginEntry] {
  if (!Array.isArray(row) || row.length !== 13 || typeof row[0] !== 'string') {
    throw new FraudError('RECORD_INVALID', 'feature state snapshot is invalid: an origin entry is malformed');
  }
  const [k, lastSeen, prevTimes, lastNum, lastStr, lastMask, life, times, txIds, masks, num, str, sets] =
    row as unknown[];
  if (!Array.isArray(num) || !Array.isArray(str) || !Array.isArray(sets) || typeof lastMask !== 'number') {
    throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: origin ${String(k)}`);
  }
  const events: EventList = {
    times: decAll(times),
    txIds: strings<string>(txIds),
    masks: decAll(masks),
    num: num.map(decAll),
    str: str.map((c) => strings<string | null>(c)),
  };
  const entry: OriginEntry = {
    lastSeen: dec(lastSeen),
    events,
    prevTimes: decAll(prevTimes),
    lastNum: decAll(lastNum),
    lastStr: strings<string | null>(lastStr),
    lastMask,
    life: decAll(life),
    sets: sets.map((s) => new Set(strings<string>(s))),
  };
  return [k as string, entry];
}

export { dec as decodeNumber, enc as encodeNumber };
