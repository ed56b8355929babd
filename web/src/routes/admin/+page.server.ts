import { app } from '$lib/server/context.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
  const ctx = app();
  const [audit, users] = await Promise.all([ctx.audit.recent(200), ctx.users.list()]);
  return { audit, users };
};
