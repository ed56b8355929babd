import { intern } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { EventValues } from './events.ts';
import type { EntityPlan } from './plan.ts';

/** The column values of one transaction for one entity, in a buffer reused for every event. */
export interface ValuesScratch extends EventValues {
  fill(tx: Transaction): ValuesScratch;
}

/** The filter bits a transaction passes for an entity's filters. */
export function maskOf(plan: EntityPlan, tx: Transaction): number {
  let mask = 0;
  for (let i = 0; i < plan.filters.length; i++) {
    const f = plan.filters[i] as EntityPlan['filters'][number];
    const v = f.get(tx);
    if (v !== null && f.values.has(v)) mask |= 1 << i;
  }
  return mask;
}

export function eventValues(plan: EntityPlan): ValuesScratch {
  const s: ValuesScratch = {
    time: 0,
    txId: '',
    mask: 0,
    num: plan.numFields.map(() => 0),
    str: plan.strFields.map(() => null),
    fill(tx) {
      s.time = tx.eventTime;
      // Interned: the state keeps these strings, and other decodes of the same values share them.
      s.txId = intern(tx.txId);
      s.mask = maskOf(plan, tx);
      for (let c = 0; c < plan.numGet.length; c++) s.num[c] = (plan.numGet[c] as (tx: Transaction) => number)(tx);
      for (let c = 0; c < plan.strGet.length; c++) {
        const v = (plan.strGet[c] as (tx: Transaction) => string | null)(tx);
        s.str[c] = v === null ? null : intern(v);
      }
      return s;
    },
  };
  return s;
}
