/** Token bucket per key: `ratePerS` sustained, `burst` at once. Memory: one entry per key. */
export interface RateLimiter {
  take(key: string, now?: number): { ok: true } | { ok: false; retryAfterS: number };
}

export function createRateLimiter(ratePerS: number, burst: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, now = Date.now()) {
      const b = buckets.get(key) ?? { tokens: burst, at: now };
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerS);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / ratePerS)) };
    },
  };
}
