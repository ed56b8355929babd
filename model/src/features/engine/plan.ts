import { durationMs } from '../spec/duration.ts';
import type { FeatureDef, FeatureFilter, FeatureSpec } from '../spec/schema.ts';
import type { ResolvedBounds } from '../spec/validate.ts';
import type { EventLayout } from './events.ts';
import { numberGetter, stringGetter, type NumberGetter, type StringGetter } from './fields.ts';

/** Aggregator kinds: what one backward scan over an entity's events accumulates per window. */
export const COUNT = 0;
export const SUM = 1;
export const SUMSQ = 2;
export const MAX = 3;
export const DISTINCT = 4;
export const LABELLED = 5;
export const FRAUD = 6;

/** One accumulator over an entity's events in a window (and a filter: bit, 0 = every event). */
export interface Agg {
  kind: number;
  windowMs: number;
  /** numeric column (SUM, SUMSQ, MAX) or string column (DISTINCT); -1 when none. */
  col: number;
  bit: number;
}

export interface EntityPlan {
  field: string;
  key: StringGetter;
  /** originAccount: whole in its partition, held per partition; every other field is a shared view. */
  isOrigin: boolean;
  /** Frequency stores: no event cap (counts over the window are exact). */
  uncapped: boolean;
  numFields: string[];
  numGet: NumberGetter[];
  strFields: string[];
  strGet: StringGetter[];
  filters: { get: StringGetter; values: ReadonlySet<string>; key: string }[];
  keepTxIds: boolean;
  /** Finite-window accumulators (one scan per row fills them all). */
  aggs: Agg[];
  /** Origin only: running accumulators over the entity's whole kept history ("all"). */
  lifetime: Agg[];
  /** Origin only: string column of each remembered-values set (isNew, distinct over "all"). */
  sets: number[];
  /** Origin only: filter bit of each remembered previous time (0 = any event). */
  prevBits: number[];
  /** Longest finite window of the aggregators (a view scan stops there). */
  scanMs: number;
  /** Which event columns are kept (set by finishEntity once every feature is registered). */
  layout: EventLayout;
  /** Origin: offsets in OriginEntry.vals of the previous event's numeric columns and of the "all" accumulators. */
  lastNumAt: number;
  lifeAt: number;
  /** Origin: some feature reads the previous event's string columns (changed). */
  needsLastStr: boolean;
  /** Origin: vals of a new entry (previous times NaN, columns NaN, counts and sums 0, max NaN). */
  initialVals: number[];
}

export interface Plan {
  spec: FeatureSpec;
  bounds: ResolvedBounds;
  /** The origin entity first when there is one, then the views in order of first use. */
  entities: EntityPlan[];
  usesLabels: boolean;
}

function newEntity(field: string, uncapped = false): EntityPlan {
  return {
    field,
    key: uncapped && field === '*' ? () => '*' : stringGetter(field),
    isOrigin: field === 'originAccount' && !uncapped,
    uncapped,
    numFields: [],
    numGet: [],
    strFields: [],
    strGet: [],
    filters: [],
    keepTxIds: field !== 'originAccount' || uncapped,
    aggs: [],
    lifetime: [],
    sets: [],
    prevBits: [],
    scanMs: 0,
    layout: { S: 2, R: 0, so: 0 },
    lastNumAt: 0,
    lifeAt: 0,
    needsLastStr: false,
    initialVals: [],
  };
}

export function numCol(e: EntityPlan, field: string): number {
  let i = e.numFields.indexOf(field);
  if (i < 0) {
    i = e.numFields.push(field) - 1;
    e.numGet.push(numberGetter(field));
  }
  return i;
}

export function strCol(e: EntityPlan, field: string): number {
  let i = e.strFields.indexOf(field);
  if (i < 0) {
    i = e.strFields.push(field) - 1;
    e.strGet.push(stringGetter(field));
  }
  return i;
}

/** The mask bit of a filter (0 when there is none); equal filters share a bit. */
export function filterBit(e: EntityPlan, filter: FeatureFilter | undefined): number {
  if (filter === undefined) return 0;
  const key = `${filter.field}\u0000${[...filter.in].sort().join('\u0000')}`;
  let i = e.filters.findIndex((f) => f.key === key);
  if (i < 0) {
    if (e.filters.length >= 30) throw new RangeError(`entity on ${e.field} has more than 30 distinct filters`);
    i = e.filters.push({ get: stringGetter(filter.field), values: new Set(filter.in), key }) - 1;
  }
  return 1 << i;
}

/** Index of an accumulator (shared by features that need the same one). */
export function aggSlot(e: EntityPlan, kind: number, windowMs: number, col: number, bit: number): number {
  const list = Number.isFinite(windowMs) ? e.aggs : e.lifetime;
  let i = list.findIndex((a) => a.kind === kind && a.windowMs === windowMs && a.col === col && a.bit === bit);
  if (i < 0) i = list.push({ kind, windowMs, col, bit }) - 1;
  if (Number.isFinite(windowMs) && windowMs > e.scanMs) e.scanMs = windowMs;
  return i;
}

export function setSlot(e: EntityPlan, col: number): number {
  let i = e.sets.indexOf(col);
  if (i < 0) i = e.sets.push(col) - 1;
  return i;
}

export function prevSlot(e: EntityPlan, bit: number): number {
  let i = e.prevBits.indexOf(bit);
  if (i < 0) i = e.prevBits.push(bit) - 1;
  return i;
}

/** The entity plans of a spec, one per field (entity ids on the same field share one). */
export function entityRegistry(spec: FeatureSpec): {
  byId: (id: string) => EntityPlan;
  frequency: (field: string) => { values: EntityPlan; all: EntityPlan };
  list: () => EntityPlan[];
} {
  const byField = new Map<string, EntityPlan>();
  const get = (field: string, uncapped: boolean): EntityPlan => {
    const k = uncapped ? `freq:${field}` : field;
    let e = byField.get(k);
    if (e === undefined) {
      e = newEntity(field, uncapped);
      byField.set(k, e);
    }
    return e;
  };
  return {
    byId: (id) => get(spec.entities[id] as string, false),
    frequency: (field) => ({ values: get(field, true), all: get('*', true) }),
    list: () => {
      const all = [...byField.values()];
      return [...all.filter((e) => e.isOrigin && !e.uncapped), ...all.filter((e) => !e.isOrigin || e.uncapped)];
    },
  };
}

export function windowMsOf(f: FeatureDef & { window: string }): number {
  return durationMs(f.window) as number;
}

/** Fixes an entity's layout and offsets once every feature has registered what it reads. */
export function finishEntity(e: EntityPlan): void {
  const S = 2 + e.numFields.length;
  if (!e.isOrigin) {
    e.layout = { S, R: 1 + e.strFields.length, so: 1 };
    return;
  }
  const strings = e.keepTxIds || e.aggs.some((a) => a.kind === DISTINCT);
  const so = e.keepTxIds ? 1 : 0;
  e.layout = { S, R: strings ? so + e.strFields.length : 0, so };
  e.lastNumAt = e.prevBits.length;
  e.lifeAt = e.prevBits.length + e.numFields.length;
  e.initialVals = [
    ...e.prevBits.map(() => NaN),
    ...e.numFields.map(() => NaN),
    ...e.lifetime.map((a) => (a.kind === MAX ? NaN : 0)),
  ];
}
