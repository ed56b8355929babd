import { describe, expect, it } from 'vitest';
import { checkSameOrigin } from './csrf.ts';
import { withFeedOrigin, SECURITY_HEADERS } from './security-headers.ts';
import { decideAccess } from './access.ts';
import { cookieOptions } from '../auth/cookie.ts';
import type { SessionUser } from '../auth/types.ts';

const ORIGIN = 'http://127.0.0.1:3000';

describe('CSRF origin check', () => {
  it('lets safe methods through and same-origin writes', () => {
    expect(checkSameOrigin('GET', null, ORIGIN).ok).toBe(true);
    expect(checkSameOrigin('HEAD', 'https://evil.example', ORIGIN).ok).toBe(true);
    expect(checkSameOrigin('POST', ORIGIN, ORIGIN).ok).toBe(true);
  });
  it('refuses cross-site and origin-less writes, JSON or not', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(checkSameOrigin(method, 'https://evil.example', ORIGIN)).toMatchObject({ ok: false });
      expect(checkSameOrigin(method, null, ORIGIN)).toMatchObject({ ok: false });
    }
    // A different port is a different origin.
    expect(checkSameOrigin('POST', 'http://127.0.0.1:3001', ORIGIN).ok).toBe(false);
  });
});

describe('access gate', () => {
  const viewer: SessionUser = { name: 'vic', role: 'viewer', anonymous: false };
  const analyst: SessionUser = { name: 'ann', role: 'analyst', anonymous: false };
  const anon: SessionUser = { name: 'anonymous', role: 'viewer', anonymous: true };

  it('sends signed-out readers to the login page and refuses signed-out writes and API calls', () => {
    expect(decideAccess({ method: 'GET', path: '/review', search: '?status=OPEN', user: null })).toEqual({
      kind: 'login',
      location: '/login?next=%2Freview%3Fstatus%3DOPEN',
    });
    expect(decideAccess({ method: 'GET', path: '/api/feed-token', search: '', user: null })).toMatchObject({
      kind: 'deny',
      status: 401,
    });
    expect(decideAccess({ method: 'POST', path: '/review/t1', search: '?/verdict', user: null })).toMatchObject({
      kind: 'deny',
      status: 401,
    });
    expect(decideAccess({ method: 'POST', path: '/login', search: '', user: null })).toEqual({ kind: 'allow' });
  });

  it('refuses every write by a viewer or the anonymous visitor with 403', () => {
    for (const user of [viewer, anon]) {
      expect(decideAccess({ method: 'POST', path: '/review/t1', search: '?/verdict', user })).toMatchObject({
        kind: 'deny',
        status: 403,
      });
      expect(decideAccess({ method: 'POST', path: '/api/cases/t1/verdict', search: '', user })).toMatchObject({
        kind: 'deny',
        status: 403,
      });
      expect(decideAccess({ method: 'GET', path: '/review/t1', search: '', user })).toEqual({ kind: 'allow' });
    }
    expect(decideAccess({ method: 'POST', path: '/review/t1', search: '?/verdict', user: analyst })).toEqual({
      kind: 'allow',
    });
    expect(decideAccess({ method: 'POST', path: '/logout', search: '', user: viewer })).toEqual({ kind: 'allow' });
  });
});

describe('security headers and cookies', () => {
  it('adds the live feed to connect-src in both http and ws forms', () => {
    const csp = "default-src 'self'; connect-src 'self'; frame-ancestors 'none'";
    expect(withFeedOrigin(csp, 'http://127.0.0.1:9473')).toBe(
      "default-src 'self'; connect-src 'self' http://127.0.0.1:9473 ws://127.0.0.1:9473; frame-ancestors 'none'",
    );
    expect(withFeedOrigin("default-src 'self'", 'https://feed.example')).toBe(
      "default-src 'self'; connect-src 'self' https://feed.example wss://feed.example",
    );
    expect(SECURITY_HEADERS['x-frame-options']).toBe('DENY');
    expect(SECURITY_HEADERS['x-content-type-options']).toBe('nosniff');
  });

  it('session cookies are httpOnly and SameSite=Strict, Secure except on plain-http loopback', () => {
    const local = cookieOptions(new URL('http://127.0.0.1:3000/login'), 0);
    expect(local).toMatchObject({ httpOnly: true, sameSite: 'strict', secure: false, path: '/' });
    expect(cookieOptions(new URL('http://console.internal/login'), 0).secure).toBe(true);
    expect(cookieOptions(new URL('https://console.example/login'), 0).secure).toBe(true);
  });
});
