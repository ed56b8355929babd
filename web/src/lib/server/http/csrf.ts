/**
 * Same-origin check for state-changing requests. SvelteKit checks the Origin of form posts
 * (csrf.checkOrigin); this applies the same rule to every other non-GET request, JSON included,
 * so a cross-site page cannot drive the console's API with the user's cookie.
 * Browsers always send Origin on cross-origin POST/PUT/PATCH/DELETE; a missing Origin is refused
 * too (non-browser clients must send it explicitly).
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

export function checkSameOrigin(method: string, origin: string | null, expectedOrigin: string): CsrfVerdict {
  if (SAFE_METHODS.has(method.toUpperCase())) return { ok: true };
  if (!origin) return { ok: false, reason: 'missing Origin header on a state-changing request' };
  if (origin !== expectedOrigin)
    return { ok: false, reason: `cross-site request from ${origin} refused (expected ${expectedOrigin})` };
  return { ok: true };
}
