import { intern } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { ResolvedBounds } from '../spec/validate.ts';
import {
  countOf,
  upperBoundTime,
  dropFront,
  emptyEvents,
  insertEvent,
  lowerBoundEvent,
  lowerBoundTime,
  pushEvent,
  timeAt,
  txIdAt,
  type EventList,
} from './events.ts';
import { LabelView, type LabelEvent } from './labels.ts';
import type { EntityPlan } from './plan.ts';
import { eventValues, type ValuesScratch } from './values.ts';

/**
 * The shared views of one compiled spec: for every entity that is not the partition key
 * (destination, merchant, terminal, ...), each key's events over ALL partitions, plus the
 * labels. Lookups at decision time t read events strictly before t, so they do not depend on
 * partitions, on read order, or on events the views have already read past t: online (a feed
 * that reads every partition) and offline (fed row by row) agree once the views hold every
 * event before t.
 *
 * Events of one key are sorted by (eventTime, txId) and a pair is stored once (the scorer adds
 * its own batch and the feed adds the same records again: harmless).
 *
 * Memory is bounded in event time against the watermark (largest eventTime added): events older
 * than retention + lag allowance are dropped, and so are keys with none left. A key keeps every
 * event newer than watermark - lag allowance and the last maxEvents older ones, so a lookup
 * (which counts at most the last maxEvents events before t) sees the same events whether the
 * views have read ahead of t or not: saturated counts do not depend on timing either.
 */
export class ViewStore {
  readonly keys = new Map<string, EventList>();
  events = 0;
  duplicates = 0;

  constructor(
    readonly plan: EntityPlan,
    readonly bounds: ResolvedBounds,
  ) {}

  /** Frequency stores keep only their window (they hold every event, uncapped); the others the retention. */
  horizon(watermark: number): number {
    const keep = this.plan.uncapped ? this.plan.scanMs : this.bounds.retentionMs;
    return watermark - keep - this.bounds.lagAllowanceMs;
  }

  /** Adds one event; false when it is a duplicate or older than the horizon. */
  add(key: string, v: ValuesScratch, watermark: number): boolean {
    const t = v.time;
    const horizon = this.horizon(watermark);
    if (t < horizon) return false;
    let d = this.keys.get(key);
    if (d === undefined) {
      d = emptyEvents(this.plan.layout);
      this.keys.set(intern(key), d);
    }
    this.prune(d, horizon);
    const n = countOf(d);
    const lastT = n > 0 ? timeAt(d, n - 1) : -Infinity;
    if (n === 0 || t > lastT || (t === lastT && v.txId > txIdAt(d, n - 1))) {
      pushEvent(d, v);
    } else {
      const pos = lowerBoundEvent(d, t, v.txId);
      if (pos < n && timeAt(d, pos) === t && txIdAt(d, pos) === v.txId) {
        this.duplicates++;
        return false;
      }
      insertEvent(d, pos, v);
    }
    this.events++;
    const cap = this.plan.uncapped ? Infinity : this.bounds.maxEvents;
    if (n + 1 > cap) {
      // Only events older than any exact lookup (watermark - lag allowance) may go, and of those
      // the last `cap` stay: every lookup still finds its last `cap` events before t.
      const older = lowerBoundTime(d, watermark - this.bounds.lagAllowanceMs);
      if (older > cap) {
        dropFront(d, older - cap);
        this.events -= older - cap;
      }
    }
    return true;
  }

  private prune(d: EventList, horizon: number): void {
    let n = 0;
    const count = countOf(d);
    while (n < count && timeAt(d, n) < horizon) n++;
    if (n > 0) {
      dropFront(d, n);
      this.events -= n;
    }
  }

  sweep(watermark: number): void {
    const horizon = this.horizon(watermark);
    for (const [k, d] of this.keys) {
      const n = countOf(d);
      if (n === 0 || timeAt(d, n - 1) < horizon) {
        this.events -= n;
        this.keys.delete(k);
      }
    }
  }
}

/**
 * The events of one key a chunk's lookups need (times ascending, the store's layout): every event
 * strictly before the key's newest payment in the chunk that a lookup at any of the key's
 * payment times may read (capped stores: the last maxEvents before the earliest; frequency stores:
 * the window before the earliest). Null when the store holds none.
 */
export interface EventSlice {
  nums: number[];
  strs: (string | null)[];
}

/** The slice of `key`'s events a chunk whose payments on that key span [tMin, tMax] needs. */
export function sliceOf(store: ViewStore, key: string, tMin: number, tMax: number): EventSlice | null {
  const d = store.keys.get(key);
  if (d === undefined) return null;
  const end = lowerBoundTime(d, tMax);
  const start = store.plan.uncapped
    ? Math.min(end, upperBoundTime(d, tMin - store.plan.scanMs))
    : Math.max(0, lowerBoundTime(d, tMin) - store.bounds.maxEvents);
  if (end <= start) return null;
  return { nums: d.nums.slice(start * d.S, end * d.S), strs: d.R === 0 ? [] : d.strs.slice(start * d.R, end * d.R) };
}

export interface FeatureViews {
  readonly bounds: Readonly<ResolvedBounds>;
  /** Largest eventTime added. */
  readonly watermark: number;
  /** Transactions offered twice (same txId and eventTime), ignored. */
  readonly duplicates: number;
  readonly stores: readonly ViewStore[];
  readonly labels: LabelView;
  /** Adds a payment to every entity view; false when it was already held (or is too old). */
  addTransaction(tx: Transaction): boolean;
  /**
   * Adds a payment to the stores of one entity field only (an owner of entity partitions gets a
   * copy per field, each to the partition of that field's key); false when already held.
   */
  addEntityEvent(tx: Transaction, field: string): boolean;
  /** Sets a key's events in store `store` (a chunk's lookup result, in the store's layout). */
  putSlice(store: number, key: string, slice: EventSlice): void;
  /** Adds a label (its payment may not have been seen yet); false when already held. */
  addLabel(label: LabelEvent): boolean;
  size(): { keys: number; events: number; labels: number };
}

const SWEEP_EVERY_MS = 3_600_000;

export interface FeatureViewsOptions {
  /** False: the entity stores take no events (only the watermark moves). Default true. */
  keepEvents?: boolean;
  /** Share this label view instead of a new one. */
  labels?: LabelView;
}

export function createFeatureViews(
  plans: readonly EntityPlan[],
  bounds: ResolvedBounds,
  opts: FeatureViewsOptions = {},
): FeatureViews {
  const stores = plans.filter((p) => !p.isOrigin).map((p) => new ViewStore(p, bounds));
  const scratch = stores.map((s) => eventValues(s.plan));
  const labels = opts.labels ?? new LabelView(bounds.retentionMs + bounds.lagAllowanceMs);
  const keepEvents = opts.keepEvents !== false;
  let watermark = -Infinity;
  let lastSweep = -Infinity;
  let duplicates = 0;
  return {
    bounds,
    get watermark() {
      return watermark;
    },
    get duplicates() {
      return duplicates;
    },
    stores,
    labels,
    addTransaction(tx) {
      return add(tx, null);
    },
    addEntityEvent(tx, field) {
      return add(tx, field);
    },
    putSlice(i, key, slice) {
      const store = stores[i];
      if (store === undefined) throw new RangeError(`no entity store ${i}`);
      const { S, R, so } = store.plan.layout;
      const d: EventList = { nums: slice.nums, strs: R === 0 ? [] : slice.strs, S, R, so };
      const n = countOf(d);
      if (n === 0) return;
      const before = store.keys.get(key);
      if (before !== undefined) store.events -= countOf(before);
      store.keys.set(key, d);
      store.events += n;
      const last = timeAt(d, n - 1);
      if (last > watermark) watermark = last;
    },
    addLabel: (label) => labels.add(label, watermark),
    size() {
      let keys = 0;
      let events = 0;
      for (const s of stores) {
        keys += s.keys.size;
        events += s.events;
      }
      return { keys, events, labels: labels.count };
    },
  };

  function add(tx: Transaction, field: string | null): boolean {
    if (tx.eventTime > watermark) watermark = tx.eventTime;
    if (!keepEvents) return false;
    let added = stores.length === 0;
    let duplicate = false;
    for (let i = 0; i < stores.length; i++) {
      const store = stores[i] as ViewStore;
      if (field !== null && store.plan.field !== field) continue;
      const key = store.plan.key(tx);
      if (key === null) continue;
      const v = (scratch[i] as ValuesScratch).fill(tx);
      const before = store.duplicates;
      if (store.add(key, v, watermark)) added = true;
      else if (store.duplicates > before) duplicate = true;
    }
    if (duplicate && !added) duplicates++;
    if (watermark - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = watermark;
      for (const s of stores) s.sweep(watermark);
    }
    return added;
  }
}
