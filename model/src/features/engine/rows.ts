import type { Transaction } from '@fraud/schemas';
import type { ResolvedBounds } from '../spec/validate.ts';
import type { SpecState } from './compile.ts';
import type { Evaluator } from './ops.ts';
import { foldOrigin, liveOrigin } from './origin.ts';
import type { EntityPlan, Plan } from './plan.ts';
import { scanOrigin, scanView, type EntityScan } from './scan.ts';
import { eventValues, type ValuesScratch } from './values.ts';
import type { FeatureViews } from './views.ts';

export interface RowComputer {
  /** One row without folding the transaction in (`views`: the chunk's own, else the state's). */
  evaluate(tx: Transaction, state: SpecState, out: Float32Array | Float64Array, at: number, views?: FeatureViews): void;
  /** One row from the history before it, then the transaction folded into the origin and the views. */
  row(tx: Transaction, state: SpecState, out: Float32Array, at: number, views?: FeatureViews): void;
}

/** The hot path: scan every entity once per row, evaluate the columns, fold. Allocates nothing per row. */
export function createRowComputer(
  plan: Plan,
  evals: readonly Evaluator[],
  scanOf: (p: EntityPlan) => EntityScan,
  bounds: ResolvedBounds,
  width: number,
): RowComputer {
  const origin = plan.entities.find((p) => p.isOrigin);
  const originScan = origin === undefined ? undefined : scanOf(origin);
  const originValues: ValuesScratch | undefined = origin === undefined ? undefined : eventValues(origin);
  const viewScans = plan.entities.filter((p) => !p.isOrigin).map(scanOf);

  /** Scans every entity for tx at t; returns the origin key and entry for the fold. */
  function scanAll(tx: Transaction, state: SpecState, views: FeatureViews): string | null {
    const t = tx.eventTime;
    const labels = views.labels;
    let key: string | null = null;
    if (origin !== undefined && originScan !== undefined) {
      key = origin.key(tx);
      const entry = key === null ? undefined : liveOrigin(state, origin, bounds, key);
      scanOrigin(origin, originScan, entry, t, labels);
    }
    const stores = views.stores;
    for (let i = 0; i < stores.length; i++) {
      const store = stores[i] as FeatureViews['stores'][number];
      const k = store.plan.key(tx);
      scanView(store.plan, viewScans[i] as EntityScan, k === null ? undefined : store.keys.get(k), t, labels, bounds);
    }
    return key;
  }

  function evaluate(
    tx: Transaction,
    state: SpecState,
    out: Float32Array | Float64Array,
    at: number,
    views = state.views,
  ): void {
    scanAll(tx, state, views);
    const t = tx.eventTime;
    for (let j = 0; j < width; j++) out[at + j] = (evals[j] as Evaluator)(tx, t);
  }

  function row(tx: Transaction, state: SpecState, out: Float32Array, at: number, views = state.views): void {
    const t = tx.eventTime;
    if (t > state.watermark) state.watermark = t;
    const key = scanAll(tx, state, views);
    for (let j = 0; j < width; j++) out[at + j] = (evals[j] as Evaluator)(tx, t);
    if (key !== null && origin !== undefined && originScan !== undefined && originValues !== undefined) {
      foldOrigin(state, origin, bounds, key, originScan.entry, originValues.fill(tx));
    }
    views.addTransaction(tx);
  }

  return { evaluate, row };
}
