import { FraudError } from '@fraud/common';
import { emptyEvents, type EventLayout } from './events.ts';
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
  /** [key, lastSeen, vals, lastStr, lastMask, nums, strs, sets] */
  origins: SnapshotEntry[];
}

type JsonNumber = number | string;
type SnapshotEntry = [
  string,
  JsonNumber,
  JsonNumber[],
  (string | null)[],
  number,
  JsonNumber[],
  (string | null)[],
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
    out.push([
      k,
      enc(e.lastSeen),
      encAll(e.vals),
      [...e.lastStr],
      e.lastMask,
      encAll(e.nums),
      [...e.strs],
      e.sets.map((s) => [...s]),
    ]);
  }
  return out;
}

/**
 * One origin entry from its snapshot row, with the layout of the spec that took it (a kept
 * column is a fresh array, a column not kept stays the shared empty one).
 */
export function decodeOrigin(row: unknown, layout: EventLayout): [string, OriginEntry] {
  if (!Array.isArray(row) || row.length !== 8 || typeof row[0] !== 'string') {
    const name = Array.isArray(row) && typeof row[0] === 'string' ? ` ${row[0]}` : '';
    throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: origin entry${name} is malformed`);
  }
  const [k, lastSeen, vals, lastStr, lastMask, nums, strs, sets] = row as unknown[];
  if (!Array.isArray(sets) || typeof lastMask !== 'number') {
    throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: origin ${String(k)}`);
  }
  const e = emptyEvents(layout);
  e.nums.push(...decAll(nums));
  if (layout.R > 0) e.strs.push(...strings<string | null>(strs));
  if (e.nums.length % e.S !== 0 || (e.R > 0 && e.strs.length / e.R !== e.nums.length / e.S)) {
    throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: origin ${String(k)} has other columns`);
  }
  const entry: OriginEntry = {
    ...e,
    lastSeen: dec(lastSeen),
    vals: decAll(vals),
    lastStr: strings<string | null>(lastStr),
    lastMask,
    sets: sets.map((s) => new Set(strings<string>(s))),
  };
  return [k as string, entry];
}

export { dec as decodeNumber, enc as encodeNumber };
