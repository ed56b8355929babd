import { createHmac } from 'node:crypto';
import type { SessionUser } from '../auth/types.ts';

/**
 * Live feed tokens. The feed server (sinks) verifies them with the shared LIVE_FEED_SECRET.
 * Format (the sinks' contract): base64url(JSON {sub, role, exp}) + '.' + base64url(HMAC-SHA256).
 * `sign` is injectable so the console uses the sinks' own signFeedToken when it is available.
 */
export type SignFeedToken = (secret: string, claims: { sub: string; role: string; exp: number }) => string;

export const localSignFeedToken: SignFeedToken = (secret, claims) => {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
};

export function issueFeedToken(
  user: SessionUser,
  opts: { secret: string; minutes: number; sign: SignFeedToken; now?: number },
): { token: string; exp: number } {
  const exp = Math.floor((opts.now ?? Date.now()) / 1000) + opts.minutes * 60;
  return { token: opts.sign(opts.secret, { sub: user.name, role: user.role, exp }), exp };
}
