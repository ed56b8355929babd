import { json } from '@sveltejs/kit';
import { app } from '$lib/server/context.ts';
import type { RequestHandler } from './$types';

/** A fresh live-feed token for the signed-in user (the Live page refreshes before expiry). */
export const GET: RequestHandler = ({ locals }) =>
  json(app().feedToken(locals.user!), { headers: { 'cache-control': 'no-store' } });
