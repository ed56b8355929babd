import { errorMessage } from '@fraud/common';
import { app } from '$lib/server/context.ts';
import type { WarehouseRow } from '$lib/server/warehouse/client.ts';
import type { PageServerLoad } from './$types';

type Answer = { rows: WarehouseRow[]; error: string | null };
const settle = (p: Promise<WarehouseRow[]>): Promise<Answer> => p.then((rows) => ({ rows, error: null }), (err: unknown) => ({ rows: [], error: errorMessage(err) }));

/** Each question is answered (or fails) on its own: one slow or missing question does not blank the page. */
export const load: PageServerLoad = async () => {
  const w = app().warehouse;
  const [byTypeHour, amounts, destinations, typologies, decisions] = await Promise.all([
    settle(w.fraudRateByTypeHour()),
    settle(w.amounts()),
    settle(w.topDestinations(15)),
    settle(w.typologies()),
    settle(w.decisionCounts()),
  ]);
  return { byTypeHour, amounts, destinations, typologies, decisions, warehouse: w.baseUrl };
};
