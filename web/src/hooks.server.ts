import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { errorMessage, isFraudError } from '@fraud/common';
import { app, createAppContext, setAppContext, type AppContext } from '$lib/server/context.ts';
import { loadWebEnv } from '$lib/server/env.ts';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import { decideAccess } from '$lib/server/http/access.ts';
import { checkSameOrigin } from '$lib/server/http/csrf.ts';
import { SECURITY_HEADERS, withFeedOrigin } from '$lib/server/http/security-headers.ts';
import { isLoopback } from '$lib/server/http/client-address.ts';
import { statusOf } from '$lib/server/http/errors.ts';

export const init: ServerInit = async () => {
  const env = loadWebEnv();
  let started: AppContext | null = null;
  let stopping = false;
  const ctx = await createAppContext(env, {
    onConsumerDeath: (what, err) => {
      if (stopping) return;
      stopping = true;
      const detail = { consumer: what, err: errorMessage(err) };
      const why =
        'a Kafka consumer of the console stopped for good (kafkajs will not restart it): exiting 1 for a ' +
        'supervisor to restart the console';
      if (started === null) {
        console.error(why, detail);
        process.exit(1);
      }
      started.logger.error(detail, why);
      void started.stop().finally(() => process.exit(1));
    },
  });
  started = ctx;
  setAppContext(ctx);
  process.once('sveltekit:shutdown', () => {
    ctx.stop().catch((err: unknown) => ctx.logger.error({ err: errorMessage(err) }, 'shutdown failed'));
  });
};

export const handle: Handle = async ({ event, resolve }) => {
  const ctx = app();
  const { request, url, cookies } = event;
  const path = url.pathname;

  // CSRF: SvelteKit checks form posts; this covers every non-GET request, JSON included.
  const csrf = checkSameOrigin(request.method, request.headers.get('origin'), url.origin);
  if (!csrf.ok) return secure(new Response(`Forbidden: ${csrf.reason}`, { status: 403 }), null);

  event.locals.user = await ctx.sessions.lookup(cookies.get(SESSION_COOKIE));
  if (!event.locals.user && ctx.env.WEB_PUBLIC_READONLY && isLoopback(event.getClientAddress())) {
    event.locals.user = { name: 'anonymous', role: 'viewer', anonymous: true };
  }
  const access = decideAccess({ method: request.method, path, search: url.search, user: event.locals.user });
  if (access.kind === 'login')
    return secure(new Response(null, { status: 303, headers: { location: access.location } }), null);
  if (access.kind === 'deny') return secure(json(access.status, access.message), null);

  const response = await resolve(event);
  return secure(response, ctx.env.LIVE_FEED_URL);
};

function json(status: number, message: string): Response {
  return new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json' } });
}

function secure(response: Response, feedUrl: string | null): Response {
  let headers: Headers;
  try {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) response.headers.set(k, v);
    headers = response.headers;
  } catch {
    // Immutable headers (e.g. a fetched response): copy into a new Response.
    const copy = new Response(response.body, response);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) copy.headers.set(k, v);
    response = copy;
    headers = copy.headers;
  }
  const csp = headers.get('content-security-policy');
  if (csp) headers.set('content-security-policy', withFeedOrigin(csp, feedUrl));
  else headers.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  return response;
}

export const handleError: HandleServerError = ({ error, event, status, message }) => {
  if (isFraudError(error)) return { message: error.message, code: error.code };
  if (status === 404) return { message };
  try {
    app().logger.error({ err: errorMessage(error), path: event.url.pathname }, 'unhandled error');
  } catch {
    console.error(error);
  }
  return { message: `internal error (${statusOf(error)}): see the console's log` };
};
