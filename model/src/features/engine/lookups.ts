import type { Transaction } from '@fraud/schemas';
import type { FeatureViews } from './views.ts';

/**
 * Entity state partitioned by key (docs/scorer.md, "Entity state partitioned by Kafka"): the
 * owner of a key's partition holds its events; a batch asks each owner for the keys its rows
 * look up and computes with a private view filled from the answers (FeatureViews.putSlice).
 */

/** One key a batch's rows look up in one entity store, with the span of the batch's times on it. */
export interface KeyLookup {
  /** Index in FeatureViews.stores. */
  store: number;
  key: string;
  /** Earliest and newest eventTime of the batch's payments with this key. */
  tMin: number;
  tMax: number;
}

/** The distinct (store, key) pairs the rows of `txs` read, each with its time span. */
export function lookupsOf(views: FeatureViews, txs: readonly Transaction[]): KeyLookup[] {
  const out: KeyLookup[] = [];
  const { stores } = views;
  for (let i = 0; i < stores.length; i++) {
    const plan = stores[i]!.plan;
    const byKey = new Map<string, KeyLookup>();
    for (const tx of txs) {
      const key = plan.key(tx);
      if (key === null) continue;
      const t = tx.eventTime;
      const l = byKey.get(key);
      if (l === undefined) {
        const fresh = { store: i, key, tMin: t, tMax: t };
        byKey.set(key, fresh);
        out.push(fresh);
      } else {
        if (t < l.tMin) l.tMin = t;
        if (t > l.tMax) l.tMax = t;
      }
    }
  }
  return out;
}

/** One copy of a payment for an entity owner: the entity field and the payment's key in it. */
export interface EntityCopy {
  field: string;
  key: string;
}

/**
 * The copies of `tx` the entity owners need: one per distinct field of the stores (two stores on
 * one field, e.g. a count and a frequency, share a copy), none for a field the payment lacks.
 */
export function entityCopiesOf(views: FeatureViews, tx: Transaction): EntityCopy[] {
  const out: EntityCopy[] = [];
  for (const store of views.stores) {
    const { field } = store.plan;
    if (out.some((c) => c.field === field)) continue;
    const key = store.plan.key(tx);
    if (key !== null) out.push({ field, key });
  }
  return out;
}
