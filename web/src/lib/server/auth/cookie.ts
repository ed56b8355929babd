import { isLoopbackHost } from '../http/client-address.ts';

/**
 * Session cookie: httpOnly, SameSite=Strict, Secure. Plain http is tolerated only for loopback
 * hosts (local development, where browsers treat localhost as a secure context anyway).
 */
export function cookieOptions(url: URL, expiresAt: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: url.protocol === 'https:' || !isLoopbackHost(url.hostname),
    expires: new Date(expiresAt),
  };
}
