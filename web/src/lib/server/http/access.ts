import { hasRole } from '../auth/roles.ts';
import type { SessionUser } from '../auth/types.ts';

/** Paths anyone may reach signed out. */
const PUBLIC_PATHS = new Set(['/login', '/health']);
/** State-changing paths open to any signed-in (or signing-in) user; every other write needs analyst+. */
const WRITE_ANY_ROLE = new Set(['/login', '/logout']);

export type AccessDecision =
  { kind: 'allow' } | { kind: 'login'; location: string } | { kind: 'deny'; status: 401 | 403; message: string };

/**
 * The request-level gate, run in hooks.server.ts before any load or action: signed-out users
 * reach only the login page; viewers (and the anonymous read-only visitor) never change
 * anything. Each action then checks its own, stricter role (analyst or admin).
 */
export function decideAccess(req: {
  method: string;
  path: string;
  search: string;
  user: SessionUser | null;
}): AccessDecision {
  const isRead = req.method === 'GET' || req.method === 'HEAD';
  if (!req.user && !PUBLIC_PATHS.has(req.path) && !req.path.startsWith('/_app/')) {
    if (req.path.startsWith('/api/') || !isRead) return { kind: 'deny', status: 401, message: 'sign in first' };
    return { kind: 'login', location: `/login?next=${encodeURIComponent(req.path + req.search)}` };
  }
  if (!isRead && !WRITE_ANY_ROLE.has(req.path) && !hasRole(req.user, 'analyst')) {
    return {
      kind: 'deny',
      status: 403,
      message: `${req.user?.name ?? 'anonymous'} may only read (role ${req.user?.role ?? 'none'})`,
    };
  }
  return { kind: 'allow' };
}
