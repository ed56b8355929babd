import { afterEach, describe, expect, it, vi } from 'vitest';
import { isFraudError } from '@fraud/common';
import { withDeadline } from '../src/deadline.ts';

describe('withDeadline', () => {
  afterEach(() => void vi.useRealTimers());

  it('settles like the work when it finishes first, and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(Promise.resolve(42), 1_000, 'the answer')).resolves.toBe(42);
    await expect(withDeadline(Promise.reject(new Error('boom')), 1_000, 'the answer')).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a retriable TIMEOUT naming the work once the deadline passes first', async () => {
    vi.useFakeTimers();
    const never = new Promise<number>(() => {});
    const raced = withDeadline(never, 500, 'reading x to its end').catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(500);
    const err = await raced;
    expect(isFraudError(err, 'TIMEOUT') && err.retriable).toBe(true);
    expect((err as Error).message).toBe('reading x to its end took more than 500 ms');
    expect(vi.getTimerCount()).toBe(0);
  });
});
