import { FraudError } from './errors.ts';

export interface RetryOptions {
  retries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Decides whether an error is worth another attempt; defaults to error.retriable. */
  isRetriable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

const defaultRetriable = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'retriable' in err && (err as { retriable: unknown }).retriable === true;

/** The one retry helper: exponential backoff with full jitter, driven by error.retriable. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  const isRetriable = options.isRetriable ?? defaultRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err: unknown) {
      if (attempt >= retries || !isRetriable(err) || options.signal?.aborted) throw err;
      const ceiling = Math.min(max, initial * factor ** attempt);
      const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FraudError('TIMEOUT', 'aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new FraudError('TIMEOUT', 'aborted'));
    };
    // The listener goes when the sleep ends either way: long rate-limited loops must not pile them up.
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls `check` until it returns a truthy value or the deadline passes. Tests and start-up
 * code wait on conditions with this, never on fixed sleeps.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new FraudError('TIMEOUT', `timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`, { cause: last });
    }
    await sleep(opts.intervalMs ?? 50);
  }
}
