import { fail, redirect } from '@sveltejs/kit';
import { app } from '$lib/server/context.ts';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import { cookieOptions } from '$lib/server/auth/cookie.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user && !locals.user.anonymous) redirect(303, safeNext(url.searchParams.get('next')));
  return {};
};

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    const form = await request.formData();
    const name = String(form.get('name') ?? '')
      .trim()
      .toLowerCase();
    const password = String(form.get('password') ?? '');
    const ctx = app();
    const user = name && password ? await ctx.users.authenticate(name, password) : null;
    if (!user) {
      await ctx.audit.record(name || '(empty)', 'login.failed', `user:${name}`, {});
      return fail(400, { name, message: 'wrong user name or password' });
    }
    const { token, expiresAt } = await ctx.sessions.create(user.name);
    cookies.set(SESSION_COOKIE, token, cookieOptions(url, expiresAt));
    await ctx.audit.record(user.name, 'login', `user:${user.name}`, {});
    redirect(303, safeNext(url.searchParams.get('next')));
  },
};

/** Only local paths: an open redirect would let a phishing link bounce through the login. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/live';
}
