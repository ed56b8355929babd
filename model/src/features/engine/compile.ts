import { FraudError, intern } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { Matrix } from '../../api.ts';
import type { FeatureSpec } from '../spec/schema.ts';
import { outputNames, resolveBounds, specHash, type ResolvedBounds } from '../spec/validate.ts';
import { featureInputProblem } from './input.ts';
import type { EventLayout } from './events.ts';
import type { LabelEvent } from './labels.ts';
import { compileOp, type Evaluator } from './ops.ts';
import { isExpired, sweepOrigins, type OriginEntry, type OriginState } from './origin.ts';
import { entityRegistry, finishEntity, type EntityPlan, type Plan } from './plan.ts';
import { newScan, type EntityScan } from './scan.ts';
import { decodeNumber, decodeOrigin, encodeNumber, encodeOrigins, type SpecStateSnapshot } from './snapshot.ts';
import { createRowComputer } from './rows.ts';
import { createFeatureViews, type FeatureViews } from './views.ts';

/** Origin state of one partition of a compiled spec, reading the shared views. */
export interface SpecState extends OriginState {
  readonly featureSet: string;
  readonly hash: string;
  readonly views: FeatureViews;
  /** JSON-serialisable copy of the origin state (the views are rebuilt from the topics). */
  snapshot(): SpecStateSnapshot;
  size(): { origins: number };
}

export interface CreateSpecStateOptions {
  partition?: number | null;
  /** The shared views; private ones when omitted. */
  views?: FeatureViews;
}

export interface ComputeFileOptions {
  onProgress?: (done: number, total: number) => void;
}

export interface CompiledFeatureSpec {
  readonly spec: FeatureSpec;
  /** Output column names, in order. */
  readonly names: readonly string[];
  /** name@version. */
  readonly featureSet: string;
  /** specHash(spec). */
  readonly hash: string;
  readonly bounds: Readonly<ResolvedBounds>;
  /** Transaction fields that need a view over all partitions (every entity but originAccount). */
  readonly entities: readonly string[];
  /** True when some feature reads labels (the views must be fed `labels` too). */
  readonly usesLabels: boolean;
  /**
   * Views of this spec. `keepEvents: false`: the entity stores take no events (a scorer whose
   * entity state is partitioned keeps only labels there; chunks bring their own views).
   */
  createViews(opts?: { lagAllowanceMs?: number; keepEvents?: boolean }): FeatureViews;
  /**
   * Empty views sharing `base`'s labels and bounds, to be filled with the events a chunk's
   * lookups returned (putSlice) and passed to compute.
   */
  chunkViews(base: FeatureViews): FeatureViews;
  createState(opts?: CreateSpecStateOptions): SpecState;
  restoreState(snapshot: unknown, views?: FeatureViews): SpecState;
  /** Why a transaction cannot be featurised, or null. */
  inputProblem(tx: Transaction): string | null;
  /**
   * Online: rows for a batch in the given order, each from the history strictly before it, each
   * folded in after its row. Validates every row first, so a bad batch leaves the state unchanged.
   * `views`: the batch's own entity views (chunkViews), else the state's.
   */
  compute(txs: readonly Transaction[], state: SpecState, out?: Float32Array, views?: FeatureViews): Float32Array;
  /** Offline: a whole history sorted by eventTime, with its labels (any order, with arrival times). */
  computeFile(txs: readonly Transaction[], labels?: readonly LabelEvent[], opts?: ComputeFileOptions): Matrix;
  /** One row without folding the transaction in (writes into out at `at`). */
  evaluate(tx: Transaction, state: SpecState, out: Float32Array | Float64Array, at: number, views?: FeatureViews): void;
}

export interface CompileSpecOptions {
  /** Overrides of the spec's bounds (the fs-v2 compatibility wrappers' feature options). */
  bounds?: Partial<ResolvedBounds>;
}

function buildPlan(spec: FeatureSpec, bounds: ResolvedBounds) {
  const reg = entityRegistry(spec);
  const scans = new Map<EntityPlan, EntityScan>();
  const scanOf = (p: EntityPlan): EntityScan => {
    let s = scans.get(p);
    if (s === undefined) {
      s = newScan(p);
      scans.set(p, s);
    }
    return s;
  };
  const evals: Evaluator[] = [];
  for (const f of spec.features) {
    evals.push(...compileOp(f, { entity: reg.byId, frequency: reg.frequency, scan: scanOf, bounds }));
  }
  const entities = reg.list();
  // Scans were created before all aggregators were registered: size them now.
  for (const p of entities) {
    finishEntity(p);
    const s = scanOf(p);
    const fresh = newScan(p);
    s.acc = fresh.acc;
    s.sets = fresh.sets;
  }
  const usesLabels = spec.features.some((f) => f.op === 'fraudCount' || f.op === 'fraudRate');
  const plan: Plan = { spec, bounds, entities, usesLabels };
  return { plan, evals, scanOf };
}

export function compileFeatureSpec(spec: FeatureSpec, opts: CompileSpecOptions = {}): CompiledFeatureSpec {
  const bounds: ResolvedBounds = { ...resolveBounds(spec), ...opts.bounds };
  const { plan, evals, scanOf } = buildPlan(spec, bounds);
  const names = spec.features.flatMap(outputNames);
  const featureSet = `${spec.name}@${spec.version}`;
  const hash = opts.bounds === undefined ? specHash(spec) : specHash(spec, bounds);
  const origin = plan.entities.find((p) => p.isOrigin);
  const viewPlans = plan.entities.filter((p) => !p.isOrigin);
  const width = names.length;

  const createViews = (o: { lagAllowanceMs?: number; keepEvents?: boolean } = {}): FeatureViews =>
    createFeatureViews(
      plan.entities,
      { ...bounds, lagAllowanceMs: o.lagAllowanceMs ?? bounds.lagAllowanceMs },
      { keepEvents: o.keepEvents },
    );

  const createState = (o: CreateSpecStateOptions = {}): SpecState =>
    newSpecState({ featureSet, hash, bounds, views: o.views ?? createViews(), partition: o.partition ?? null });

  const { evaluate, row } = createRowComputer(plan, evals, scanOf, bounds, width);

  return {
    spec,
    names,
    featureSet,
    hash,
    bounds,
    entities: [...new Set(viewPlans.filter((p) => p.field !== '*').map((p) => p.field))],
    usesLabels: plan.usesLabels,
    createViews,
    chunkViews: (base) => createFeatureViews(plan.entities, base.bounds, { labels: base.labels }),
    createState,
    restoreState(snapshot, views) {
      return restoreState(snapshot, createState, views, hash, origin?.layout);
    },
    inputProblem: featureInputProblem,
    evaluate,
    compute(txs, state, out, views) {
      assertValid(txs);
      const n = txs.length * width;
      if (out !== undefined && out.length < n) {
        throw new FraudError('BAD_REQUEST', `output buffer holds ${out.length} values, ${n} needed`);
      }
      const buf = out === undefined ? new Float32Array(n) : out.length === n ? out : out.subarray(0, n);
      for (let i = 0; i < txs.length; i++) row(txs[i] as Transaction, state, buf, i * width, views);
      sweepOrigins(state, bounds);
      return buf;
    },
    computeFile(txs, labels = [], o = {}) {
      assertValid(txs);
      assertSorted(txs);
      const state = createState();
      const sorted = [...labels].sort((a, b) => a.labeledAt - b.labeledAt);
      const data = new Float32Array(txs.length * width);
      const every = Math.max(1, Math.floor(txs.length / 100));
      let next = 0;
      for (let i = 0; i < txs.length; i++) {
        const tx = txs[i] as Transaction;
        while (next < sorted.length && (sorted[next] as LabelEvent).labeledAt < tx.eventTime) {
          state.views.addLabel(sorted[next] as LabelEvent);
          next++;
        }
        row(tx, state, data, i * width);
        sweepOrigins(state, bounds);
        if (o.onProgress !== undefined && (i + 1) % every === 0) o.onProgress(i + 1, txs.length);
      }
      o.onProgress?.(txs.length, txs.length);
      return { data, rows: txs.length, cols: width };
    },
  };
}

/** An empty origin state of one partition reading `views`. */
function newSpecState(o: {
  featureSet: string;
  hash: string;
  bounds: ResolvedBounds;
  views: FeatureViews;
  partition: number | null;
}): SpecState {
  const { featureSet, hash, bounds, views, partition } = o;
  if (partition !== null && (!Number.isInteger(partition) || partition < 0)) {
    throw new FraudError('CONFIG_INVALID', `partition ${partition} must be an integer >= 0`);
  }
  const state: SpecState = {
    featureSet,
    hash,
    partition,
    watermark: -Infinity,
    lastSweep: -Infinity,
    origins: new Map<string, OriginEntry>(),
    views,
    snapshot: () => ({
      format: 'fraud-feature-state/3',
      featureSet,
      hash,
      partition: state.partition,
      watermark: encodeNumber(state.watermark),
      lastSweep: encodeNumber(state.lastSweep),
      origins: encodeOrigins(state, (e) => !isExpired(state, bounds, e.lastSeen)),
    }),
    size: () => ({ origins: state.origins.size }),
  };
  return state;
}

function assertValid(txs: readonly Transaction[]): void {
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i];
    const problem = tx === undefined ? 'missing' : featureInputProblem(tx);
    if (problem !== null) {
      throw new FraudError('RECORD_INVALID', `transaction ${i} (${tx?.txId ?? '?'}) cannot be featurised: ${problem}`, {
        details: { index: i, txId: tx?.txId },
      });
    }
  }
}

function assertSorted(txs: readonly Transaction[]): void {
  for (let i = 1; i < txs.length; i++) {
    if ((txs[i] as Transaction).eventTime < (txs[i - 1] as Transaction).eventTime) {
      throw new FraudError(
        'RECORD_INVALID',
        `offline features need rows sorted by eventTime; row ${i} is earlier than row ${i - 1}`,
        {
          details: { index: i },
        },
      );
    }
  }
}

function restoreState(
  snapshot: unknown,
  create: (o: CreateSpecStateOptions) => SpecState,
  views: FeatureViews | undefined,
  hash: string,
  layout: EventLayout | undefined,
): SpecState {
  const invalid = (why: string): never => {
    throw new FraudError('RECORD_INVALID', `feature state snapshot is invalid: ${why}`);
  };
  if (typeof snapshot !== 'object' || snapshot === null) invalid('not an object');
  const s = snapshot as Partial<SpecStateSnapshot>;
  if (s.format !== 'fraud-feature-state/3') invalid(`unknown format ${String(s.format)}`);
  if (s.hash !== hash) invalid(`it was taken with feature spec ${String(s.featureSet)} (hash ${String(s.hash)})`);
  if (!Array.isArray(s.origins)) invalid('missing origins');
  const state = create({ partition: s.partition ?? null, views });
  state.watermark = decodeNumber(s.watermark);
  state.lastSweep = decodeNumber(s.lastSweep);
  for (const row of s.origins as unknown[]) {
    if (layout === undefined) invalid('this spec has no origin entity');
    const [k, e] = decodeOrigin(row, layout as EventLayout);
    state.origins.set(intern(k), e);
  }
  return state;
}
