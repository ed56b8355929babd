/**
 * Headers on every response. The CSP itself comes from SvelteKit (svelte.config.js, with hashes
 * of its inline scripts); withFeedOrigin() adds the live feed to connect-src at run time.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it Chromium sends `Origin: null` on form posts, which the CSRF checks refuse.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Adds the feed origin (http and ws forms, socket.io uses both) to connect-src. */
export function withFeedOrigin(csp: string, feedUrl: string | null): string {
  if (!feedUrl) return csp;
  const u = new URL(feedUrl);
  const ws = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}`;
  const extra = `${u.origin} ${ws}`;
  if (/(^|;)\s*connect-src /.test(csp)) return csp.replace(/((?:^|;)\s*connect-src [^;]*)/, `$1 ${extra}`);
  return `${csp}; connect-src 'self' ${extra}`;
}
