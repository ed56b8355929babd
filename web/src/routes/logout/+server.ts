import { redirect } from '@sveltejs/kit';
import { app } from '$lib/server/context.ts';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies, locals }) => {
  const ctx = app();
  await ctx.sessions.destroy(cookies.get(SESSION_COOKIE));
  cookies.delete(SESSION_COOKIE, { path: '/' });
  if (locals.user && !locals.user.anonymous)
    await ctx.audit.record(locals.user.name, 'logout', `user:${locals.user.name}`, {});
  redirect(303, '/login');
};
