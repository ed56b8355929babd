import { createHmac, timingSafeEqual } from 'node:crypto';
import { FraudError } from '@fraud/common';

/** Who may watch the live feed. exp is in seconds since the epoch (as in JWTs). */
export interface FeedTokenPayload {
  sub: string;
  role: string;
  exp: number;
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

/** `base64url(JSON payload).base64url(HMAC-SHA256(secret, first part))`; the web console issues these. */
export function signFeedToken(secret: string, payload: FeedTokenPayload): string {
  if (secret.length < 16) throw new FraudError('CONFIG_INVALID', 'the live feed secret must be at least 16 characters');
  const body = Buffer.from(JSON.stringify({ sub: payload.sub, role: payload.role, exp: payload.exp })).toString(
    'base64url',
  );
  return `${body}.${sign(secret, body)}`;
}

/** Checks signature then expiry; throws AUTH_REQUIRED (missing/garbled) or FORBIDDEN (bad signature/expired). */
export function verifyFeedToken(secret: string, token: unknown, nowMs: number = Date.now()): FeedTokenPayload {
  if (typeof token !== 'string' || !token)
    throw new FraudError('AUTH_REQUIRED', 'a live feed token is required (socket auth: { token })');
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) throw new FraudError('AUTH_REQUIRED', 'malformed live feed token');
  const expected = Buffer.from(sign(secret, body));
  const got = Buffer.from(sig);
  if (expected.length !== got.length || !timingSafeEqual(expected, got))
    throw new FraudError('FORBIDDEN', 'live feed token signature is invalid');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch (err: unknown) {
    throw new FraudError('AUTH_REQUIRED', 'live feed token payload is not JSON', { cause: err });
  }
  const p = payload as Partial<FeedTokenPayload>;
  if (typeof p.sub !== 'string' || typeof p.role !== 'string' || typeof p.exp !== 'number')
    throw new FraudError('AUTH_REQUIRED', 'live feed token payload needs sub, role, exp');
  if (p.exp * 1000 <= nowMs)
    throw new FraudError('FORBIDDEN', 'live feed token has expired; ask the console for a new one');
  return { sub: p.sub, role: p.role, exp: p.exp };
}
