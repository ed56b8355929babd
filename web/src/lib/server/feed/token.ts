import { signFeedToken } from '@fraud/sinks/feed-token';
import type { SessionUser } from '../auth/types.ts';

/**
 * Live feed tokens for a signed-in user. The token format and its signer belong to the feed's
 * contract in `@fraud/sinks/feed-token` (the light entry point: no DuckDB, BigQuery or Socket.io);
 * the feed server verifies with the same module, so the two sides cannot drift. The signer refuses
 * a secret shorter than 16 characters (CONFIG_INVALID).
 */
export function issueFeedToken(
  user: SessionUser,
  opts: { secret: string; minutes: number; now?: number },
): { token: string; exp: number } {
  const exp = Math.floor((opts.now ?? Date.now()) / 1000) + opts.minutes * 60;
  return { token: signFeedToken(opts.secret, { sub: user.name, role: user.role, exp }), exp };
}
