/** Test oracle: the fs-v2 features before feature specs (see README.md). Never imported by src/. */
import { FraudError } from '@fraud/common';
import { DAY_MS, FEATURE_SET, HOUR_MS, TYPE_CODE } from '../../../src/features/names.ts';
import { DEFAULT_VIEW_LAG_ALLOWANCE_MS, DestinationView } from './view.ts';

/**
 * Feature state of one scorer partition (fs-v2). Origin features come from a per-partition
 * history: transactions are keyed by origin account, so the partition that owns an origin sees
 * all of its transactions and origin features do not depend on the partition count.
 * Destination features come from a DestinationView (view.ts) that holds every destination's
 * inbound events over all partitions; the states of one scorer instance share one view, and
 * offline code uses one state and one view for a whole file (see docs/model.md).
 *
 * Origin expiry is defined in event time against the state's watermark (the largest eventTime
 * seen): an entry idle for more than retentionMs is treated as absent when touched, and the
 * periodic sweep deletes exactly those entries. Because the watermark only grows, whether an
 * entry was swept or not never changes a feature value, so batch boundaries cannot change results.
 */
export interface FeatureOptions {
  /** Idle accounts (by event time) older than this are forgotten. At least 24 h. */
  retentionMs: number;
  /** Events kept per account for the 24 h windows; beyond it counts saturate. */
  maxEventsPerAccount: number;
  /** Distinct payees remembered per origin account (oldest forgotten first). */
  maxPayees: number;
}

export const DEFAULT_FEATURE_OPTIONS: Readonly<FeatureOptions> = {
  retentionMs: 25 * HOUR_MS,
  maxEventsPerAccount: 256,
  maxPayees: 64,
};

/** Sweep expired entries at most once per this much event time. */
const SWEEP_EVERY_MS = HOUR_MS;

export interface OriginEntry {
  lastSeen: number;
  prevTime: number;
  prevBalance: number;
  prevAmount: number;
  prevType: number;
  count: number;
  sum: number;
  times: number[];
  amounts: number[];
  payees: Set<string>;
}

export interface FeatureSnapshot {
  format: 'fraud-feature-state/2';
  featureSet: string;
  options: FeatureOptions;
  partition: number | null;
  watermark: number | null;
  lastSweep: number | null;
  /** [account, lastSeen, prevTime, prevBalance, prevAmount, prevType, count, sum, times, amounts, payees] */
  origins: [string, number, number, number, number, number, number, number, number[], number[], string[]][];
}

export interface FeatureState {
  readonly options: Readonly<FeatureOptions>;
  /** The partition this state serves, or null when not pinned (tests, single partition). */
  readonly partition: number | null;
  watermark: number;
  lastSweep: number;
  readonly origins: Map<string, OriginEntry>;
  /** The destination view this state reads (shared by the states of one scorer instance). */
  readonly view: DestinationView;
  /** JSON-serialisable copy of the state (for the scorer's restarts). */
  snapshot(): FeatureSnapshot;
  /** Accounts currently held (for metrics). */
  size(): { origins: number };
}

export interface CreateFeatureStateOptions extends Partial<FeatureOptions> {
  partition?: number | null;
  /** The shared destination view; a private one (same options) when omitted. */
  view?: DestinationView;
}

export function resolveFeatureOptions(opts: Partial<FeatureOptions> = {}): FeatureOptions {
  // Only known keys: fs-v1 artifacts carry numPartitions, which no feature depends on.
  const known = {
    retentionMs: opts.retentionMs,
    maxEventsPerAccount: opts.maxEventsPerAccount,
    maxPayees: opts.maxPayees,
  };
  const o: FeatureOptions = { ...DEFAULT_FEATURE_OPTIONS, ...stripUndefined(known) };
  const bad = (name: string, why: string): never => {
    throw new FraudError('CONFIG_INVALID', `feature option ${name} ${why}`, { details: { options: o } });
  };
  if (!(o.retentionMs >= DAY_MS))
    bad('retentionMs', `must be at least 24 h (${DAY_MS} ms) so the 24 h windows are exact`);
  if (!Number.isInteger(o.maxEventsPerAccount) || o.maxEventsPerAccount < 1)
    bad('maxEventsPerAccount', 'must be a positive integer');
  if (!Number.isInteger(o.maxPayees) || o.maxPayees < 1) bad('maxPayees', 'must be a positive integer');
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function createFeatureState(opts: CreateFeatureStateOptions = {}): FeatureState {
  const { partition = null, view, ...rest } = opts;
  const options = Object.freeze(resolveFeatureOptions(rest));
  if (partition !== null && (!Number.isInteger(partition) || partition < 0)) {
    throw new FraudError('CONFIG_INVALID', `partition ${partition} must be an integer >= 0`);
  }
  const state: FeatureState = {
    options,
    partition,
    watermark: -Infinity,
    lastSweep: -Infinity,
    origins: new Map(),
    view: view ?? createDestinationView(options),
    snapshot: () => snapshotOf(state),
    size: () => ({ origins: state.origins.size }),
  };
  return state;
}

function isExpired(state: FeatureState, lastSeen: number): boolean {
  return state.watermark - lastSeen > state.options.retentionMs;
}

/** Drop window events that no future in-order transaction can see. */
function pruneEvents(state: FeatureState, times: number[], parallel: unknown[][]): void {
  const horizon = state.watermark - DAY_MS;
  let n = 0;
  while (n < times.length && (times[n] ?? 0) <= horizon) n++;
  if (n > 0) {
    times.splice(0, n);
    for (const arr of parallel) arr.splice(0, n);
  }
}

export function liveOrigin(state: FeatureState, account: string): OriginEntry | undefined {
  const e = state.origins.get(account);
  if (e === undefined) return undefined;
  if (isExpired(state, e.lastSeen)) {
    state.origins.delete(account);
    return undefined;
  }
  pruneEvents(state, e.times, [e.amounts]);
  return e;
}

/**
 * Delete entries idle longer than the retention; a no-op for feature values (see above).
 * The maps are kept in last-touch order (computeRow re-inserts what it touches), so the sweep
 * stops at the first live entry: O(expired), not O(accounts). With out-of-order events the
 * order is approximate and a few expired entries may wait for a later sweep; harmless.
 */
export function maybeSweep(state: FeatureState): void {
  if (state.watermark - state.lastSweep < SWEEP_EVERY_MS) return;
  state.lastSweep = state.watermark;
  sweepMap(state, state.origins);
}

function sweepMap(state: FeatureState, map: Map<string, { lastSeen: number }>): void {
  for (const [k, e] of map) {
    if (!isExpired(state, e.lastSeen)) break;
    map.delete(k);
  }
}

/** Marks an entry as most recently touched (moves it to the end of the map's order). */
export function touch<E>(map: Map<string, E>, key: string, entry: E): void {
  map.delete(key);
  map.set(key, entry);
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function snapshotOf(state: FeatureState): FeatureSnapshot {
  const origins: FeatureSnapshot['origins'] = [];
  for (const [k, e] of state.origins) {
    if (isExpired(state, e.lastSeen)) continue;
    origins.push([
      k,
      e.lastSeen,
      e.prevTime,
      e.prevBalance,
      e.prevAmount,
      e.prevType,
      e.count,
      e.sum,
      [...e.times],
      [...e.amounts],
      [...e.payees],
    ]);
  }
  return {
    format: 'fraud-feature-state/2',
    featureSet: FEATURE_SET,
    options: { ...state.options },
    partition: state.partition,
    watermark: finiteOrNull(state.watermark),
    lastSweep: finiteOrNull(state.lastSweep),
    origins,
  };
}

function invalid(why: string): never {
  throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: ${why}`);
}

const isNumArray = (a: unknown): a is number[] =>
  Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
const isStrArray = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
const numbersAt = (row: readonly unknown[], from: number, to: number): boolean =>
  row.slice(from, to).every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * Rebuild a state from snapshot() output (possibly after a JSON round trip). The destination
 * view is not part of a snapshot: pass the shared one (it is rebuilt from the topic).
 */
export function restoreFeatureState(snapshot: unknown, view?: DestinationView): FeatureState {
  if (typeof snapshot !== 'object' || snapshot === null) invalid('not an object');
  const s = snapshot as Partial<FeatureSnapshot>;
  if (s.format !== 'fraud-feature-state/2') invalid(`unknown format ${String(s.format)}`);
  if (s.featureSet !== FEATURE_SET) invalid(`feature set ${String(s.featureSet)} is not ${FEATURE_SET}`);
  if (!Array.isArray(s.origins) || typeof s.options !== 'object') invalid('missing origins or options');
  const state = createFeatureState({ ...s.options, partition: s.partition ?? null, view });
  state.watermark = s.watermark ?? -Infinity;
  state.lastSweep = s.lastSweep ?? -Infinity;
  for (const row of s.origins) {
    const [k, lastSeen, prevTime, prevBalance, prevAmount, prevType, count, sum, times, amounts, payees] = row;
    if (
      typeof k !== 'string' ||
      !numbersAt(row, 1, 8) ||
      !isNumArray(times) ||
      !isNumArray(amounts) ||
      !isStrArray(payees) ||
      times.length !== amounts.length
    ) {
      invalid(`origin entry ${String(k)}`);
    }
    state.origins.set(k, {
      lastSeen,
      prevTime,
      prevBalance,
      prevAmount,
      prevType,
      count,
      sum,
      times: [...times],
      amounts: [...amounts],
      payees: new Set(payees),
    });
  }
  return state;
}

export { TYPE_CODE };

/** A destination view with the feature options' retention and per-account cap. */
export function createDestinationView(
  opts: Partial<FeatureOptions> & { lagAllowanceMs?: number } = {},
): DestinationView {
  const o = resolveFeatureOptions(opts);
  return new DestinationView({
    retentionMs: o.retentionMs,
    maxEventsPerAccount: o.maxEventsPerAccount,
    lagAllowanceMs: opts.lagAllowanceMs ?? DEFAULT_VIEW_LAG_ALLOWANCE_MS,
  });
}
