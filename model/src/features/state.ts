import { FraudError } from '@fraud/common';
import type { SpecState } from './engine/compile.ts';
import { fsV2 } from './legacy.ts';
import { DAY_MS, FEATURE_SET, HOUR_MS, TYPE_CODE } from './names.ts';
import { DEFAULT_VIEW_LAG_ALLOWANCE_MS, DestinationView } from './view.ts';

/**
 * Feature state of one scorer partition for fs-v2, the pre-spec API over the spec engine
 * (engine/compile.ts with model/feature-sets/fs-v2.json). Origin features come from the
 * partition's own history (transactions are keyed by origin); destination features from the
 * shared DestinationView. Expiry is in event time against the state's watermark, so batch
 * boundaries never change a value (see docs/features.md).
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

/** The engine state of fs-v2 plus the pre-spec fields. */
export interface FeatureState extends SpecState {
  readonly options: Readonly<FeatureOptions>;
  /** The destination view this state reads (shared by the states of one scorer instance). */
  readonly view: DestinationView;
}

export interface FeatureSnapshot extends ReturnType<SpecState['snapshot']> {
  options: FeatureOptions;
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

function legacyState(state: SpecState, options: FeatureOptions, view: DestinationView): FeatureState {
  const s = state as FeatureState & { options: FeatureOptions; view: DestinationView };
  const engineSnapshot = state.snapshot;
  return Object.assign(s, {
    options,
    view,
    snapshot: (): FeatureSnapshot => ({ ...engineSnapshot(), options: { ...options } }),
  });
}

export function createFeatureState(opts: CreateFeatureStateOptions = {}): FeatureState {
  const { partition = null, view, ...rest } = opts;
  const options = Object.freeze(resolveFeatureOptions(rest));
  const v = view ?? createDestinationView(options);
  return legacyState(fsV2(options).createState({ partition, views: v.views }), options, v);
}

/**
 * Rebuild a state from snapshot() output (possibly after a JSON round trip). The destination
 * view is not part of a snapshot: pass the shared one (it is rebuilt from the topic).
 */
export function restoreFeatureState(snapshot: unknown, view?: DestinationView): FeatureState {
  if (typeof snapshot !== 'object' || snapshot === null) {
    throw new FraudError('RECORD_INVALID', 'feature state snapshot is invalid: not an object');
  }
  const s = snapshot as Partial<FeatureSnapshot>;
  if (s.format !== 'fraud-feature-state/3') {
    throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: unknown format ${String(s.format)}`);
  }
  const options = Object.freeze(resolveFeatureOptions(typeof s.options === 'object' ? s.options : {}));
  const v = view ?? createDestinationView(options);
  return legacyState(fsV2(options).restoreState(snapshot, v.views), options, v);
}

export { TYPE_CODE, FEATURE_SET };

/** A destination view with the feature options' retention and per-account cap. */
export function createDestinationView(
  opts: Partial<FeatureOptions> & { lagAllowanceMs?: number } = {},
): DestinationView {
  const o = resolveFeatureOptions(opts);
  return new DestinationView(
    {
      retentionMs: o.retentionMs,
      maxEventsPerAccount: o.maxEventsPerAccount,
      lagAllowanceMs: opts.lagAllowanceMs ?? DEFAULT_VIEW_LAG_ALLOWANCE_MS,
    },
    o.maxPayees,
  );
}
