/**
 * Rate control. Both return how many milliseconds to wait before the next record (0: go now),
 * so the hot loop only awaits when it must.
 */
export interface Pacer {
  delayMs(): number;
}

/** Token bucket: `ratePerSec` sustained, bursts up to `burst` tokens (default 1/10 s of rate). */
export function createTokenBucket(
  ratePerSec: number,
  options: { burst?: number; now?: () => number } = {},
): Pacer & { take(n?: number): number } {
  const now = options.now ?? (() => performance.now());
  const burst = options.burst ?? Math.max(1, ratePerSec / 10);
  let tokens = burst;
  let last = now();
  const take = (n = 1): number => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) * ratePerSec) / 1000);
    last = t;
    if (tokens >= n) {
      tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil(((n - tokens) * 1000) / ratePerSec));
  };
  return { take, delayMs: () => take(1) };
}

export type Speed = number | 'max';

/** Parses "realtime", "x60", "60", "max". */
export function parseSpeed(s: string): Speed {
  const t = s.trim().toLowerCase();
  if (t === 'max' || t === 'asap') return 'max';
  if (t === 'realtime' || t === 'real-time') return 1;
  const v = Number(t.startsWith('x') ? t.slice(1) : t);
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`speed ${JSON.stringify(s)}: use realtime, x60 (any factor) or max`);
  return v;
}

/**
 * Simulated-time pacing: simulated time advances `speed` times faster than the wall clock from
 * the first record on. Returns the wait before a record with the given simulated time.
 */
export function createSimClock(
  speed: Speed,
  now: () => number = () => performance.now(),
): { delayFor(simTime: number): number } {
  let simStart: number | undefined;
  let wallStart = 0;
  return {
    delayFor(simTime) {
      if (speed === 'max') return 0;
      if (simStart === undefined) {
        simStart = simTime;
        wallStart = now();
        return 0;
      }
      const due = wallStart + (simTime - simStart) / speed;
      const wait = due - now();
      return wait >= 2 ? Math.ceil(wait) : 0;
    },
  };
}

/**
 * Waits `ms`; resolves false (instead of throwing) when `signal` aborts first. The abort
 * listener is removed on every path, so millions of short pauses do not pile listeners up.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
