import { app } from '$lib/server/context.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const ctx = app();
  const user = locals.user!;
  return {
    feed: ctx.feedToken(user),
    champion: await ctx.models.champion(),
    policy: ctx.control.decisionPolicy(),
  };
};
