import { errorMessage } from '@fraud/common';
import { app } from '$lib/server/context.ts';
import type { WarehouseRow } from '$lib/server/warehouse/client.ts';
import type { PageServerLoad } from './$types';

type Answer = { rows: WarehouseRow[]; error: string | null };
const settle = (p: Promise<WarehouseRow[]>): Promise<Answer> =>
  p.then(
    (rows) => ({ rows, error: null }),
    (err: unknown) => ({ rows: [], error: errorMessage(err) }),
  );

/**
 * Each question is answered (or fails) on its own and is streamed: the page renders at once and
 * each chart fills in when its answer arrives, so a slow question never holds the page.
 */
export const load: PageServerLoad = () => {
  const w = app().warehouse;
  return {
    byTypeHour: settle(w.fraudRateByTypeHour()),
    amounts: settle(w.amounts()),
    destinations: settle(w.topDestinations(15)),
    typologies: settle(w.typologies()),
    decisions: settle(w.decisionCounts()),
    warehouse: w.baseUrl,
  };
};
