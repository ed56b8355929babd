import type { FeatureViews, SpecState } from '@fraud/model';
import type { SpecStates } from './ports.ts';

/** Estimated bytes of feature state one instance holds, by kind (fraud_scorer_state_bytes{kind}). */
export interface StateBytes {
  /** The partition tasks' per-origin-account state. */
  origin: number;
  /** The entity views (every key of every non-origin entity: destination for fs-v2). */
  view: number;
  /** The label views. */
  labels: number;
}

type OriginEntry = SpecState['origins'] extends Map<string, infer E> ? E : never;
type EventList = FeatureViews['stores'][number]['keys'] extends Map<string, infer E> ? E : never;

/**
 * Fixed heap bytes per key beyond what the formulas below count (the entry object, Map entry,
 * array headers and their spare capacity from push growth, the Set table). Measured once on
 * Node 20 (x64, no pointer compression) with fs-v2 and the bench's synthetic load (bench/lib
 * scorer-bench.ts transactions(300_000, seed 7)): heapUsed after a forced full GC with the
 * structure built and owning its strings, minus heapUsed after clearing it, minus the formula
 * with a zero overhead, divided by its keys. Origins: 49,871 keys, 6.0 events each, 61.3 MB
 * measured, 24.8 MB by the formula, 732 bytes per key more. Destination view: 51,573 keys, 5.8
 * events each, 69.2 MB measured, 30.0 MB by the formula, 760 bytes per key more. The overhead
 * grows with events per key (spare capacity), so it is exact for this shape, close for others.
 */
export const ORIGIN_KEY_OVERHEAD = 732;
export const VIEW_KEY_OVERHEAD = 760;
/** Per label-view txId: its entry object, two arrays, the Map entry, a 40-character txId (not measured). */
export const LABEL_KEY_BYTES = 400;
const NUMBER_BYTES = 8;

/**
 * Heap bytes of a flat one-byte V8 string: a 16-byte header (map, hash, length) and the
 * characters, rounded up to 8. Strings shared between structures are counted in each.
 */
export function stringBytes(s: string | null | undefined): number {
  return s === null || s === undefined ? 0 : 16 + Math.ceil(s.length / 8) * 8;
}

/** An event list's columns: 8 bytes per number, each string as stringBytes. */
export function eventListBytes(e: Pick<EventList, 'nums' | 'strs'>): number {
  let bytes = e.nums.length * NUMBER_BYTES;
  for (const s of e.strs) bytes += stringBytes(s);
  return bytes;
}

export function originEntryBytes(key: string, e: OriginEntry): number {
  let bytes = ORIGIN_KEY_OVERHEAD + stringBytes(key) + eventListBytes(e) + e.vals.length * NUMBER_BYTES;
  for (const s of e.lastStr) bytes += stringBytes(s);
  for (const set of e.sets) for (const s of set) bytes += stringBytes(s) + 2 * NUMBER_BYTES;
  return bytes;
}

export function labelBytes(views: FeatureViews): number {
  return views.labels.size() * LABEL_KEY_BYTES + views.labels.count * 2 * NUMBER_BYTES;
}

/** A state of model/'s engine (other FeatureModule states, e.g. test doubles, are not measured). */
function isSpecState(s: unknown): s is SpecState {
  return typeof s === 'object' && s !== null && (s as SpecState).origins instanceof Map && 'views' in s;
}

/**
 * The bytes of the partition tasks' states (`tasks`: each task's SpecStates) and of the views they
 * share, each view counted once however many partitions read it, plus `extraViews` (the entity
 * owners' views of the partitions this instance owns).
 */
export function estimateStateBytes(tasks: Iterable<SpecStates>, extraViews: Iterable<FeatureViews> = []): StateBytes {
  const walk = stateWalk(tasks, extraViews);
  for (let step = walk.next(); !step.done; step = walk.next());
  return walk.bytes;
}

/**
 * estimateStateBytes in slices: the walk gives the event loop back every `sliceMs` (a scrape must
 * not hold the scoring loop: at 240k keys the walk takes ~50 ms on a busy core, at a national
 * switch's millions of keys seconds). Maps changed between slices are walked as they are then.
 */
export async function estimateStateBytesSliced(
  tasks: Iterable<SpecStates>,
  extraViews: Iterable<FeatureViews> = [],
  sliceMs = 2,
): Promise<StateBytes> {
  const walk = stateWalk(tasks, extraViews);
  let until = performance.now() + sliceMs;
  for (let step = walk.next(); !step.done; step = walk.next()) {
    if (performance.now() < until) continue;
    await new Promise((r) => setImmediate(r));
    until = performance.now() + sliceMs;
  }
  return walk.bytes;
}

/** Keys between two looks at the clock. */
const KEYS_PER_STEP = 512;

/** The walk of estimateStateBytes as steps of KEYS_PER_STEP keys; `bytes` is complete once it is done. */
function stateWalk(
  tasks: Iterable<SpecStates>,
  extraViews: Iterable<FeatureViews>,
): Generator<void, void, void> & { bytes: StateBytes } {
  const bytes: StateBytes = { origin: 0, view: 0, labels: 0 };
  function* steps(): Generator<void, void, void> {
    let n = 0;
    const views = new Set<FeatureViews>(extraViews);
    for (const states of tasks) {
      for (const state of states.values()) {
        if (!isSpecState(state)) continue;
        views.add(state.views);
        for (const [key, e] of state.origins) {
          bytes.origin += originEntryBytes(key, e);
          if (++n % KEYS_PER_STEP === 0) yield;
        }
      }
    }
    for (const v of views) {
      for (const store of v.stores) {
        for (const [key, e] of store.keys) {
          bytes.view += VIEW_KEY_OVERHEAD + stringBytes(key) + eventListBytes(e);
          if (++n % KEYS_PER_STEP === 0) yield;
        }
      }
      bytes.labels += labelBytes(v);
    }
  }
  return Object.assign(steps(), { bytes });
}
