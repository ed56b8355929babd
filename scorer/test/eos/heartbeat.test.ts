import { describe, expect, it, vi } from 'vitest';
import { whileHeartbeating } from '../../src/eos/heartbeat.ts';

describe('whileHeartbeating', () => {
  it('heartbeats while the work runs and stops when it ends', async () => {
    vi.useFakeTimers();
    try {
      let beats = 0;
      let finish!: (v: string) => void;
      const work = new Promise<string>((r) => (finish = r));
      const running = whileHeartbeating(
        async () => void beats++,
        10,
        () => work,
      );
      await vi.advanceTimersByTimeAsync(35);
      expect(beats).toBe(3);
      finish('done');
      expect(await running).toBe('done');
      await vi.advanceTimersByTimeAsync(100);
      expect(beats).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with the heartbeat error (a rebalance) without waiting for the work', async () => {
    const rebalance = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const never = new Promise<void>(() => undefined);
    await expect(
      whileHeartbeating(
        async () => {
          throw rebalance;
        },
        5,
        () => never,
      ),
    ).rejects.toBe(rebalance);
  });

  it('a failing work rejects with its own error', async () => {
    await expect(
      whileHeartbeating(
        async () => undefined,
        1_000,
        async () => {
          throw new Error('restore failed');
        },
      ),
    ).rejects.toThrow('restore failed');
  });
});
