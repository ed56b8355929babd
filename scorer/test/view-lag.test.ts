import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger, waitFor } from '@fraud/common';
import type { Admin } from '@fraud/kafka';
import { createViewBarrier } from '../src/dest-view-barrier.ts';
import { createScorerMetrics } from '../src/metrics.ts';

/** The view's lag as the synchronous path reads it: no waiting, from the latest end-offset probe. */
describe('destination view lag (ViewBarrier.lagMs)', () => {
  it('is null before a probe answered, then the age of the newest record read where the view is behind', async () => {
    let wall = 10_000;
    let probes = 0;
    const ends = new Map([
      [0, 10n],
      [1, 8n],
    ]);
    const admin = {
      fetchTopicOffsets: async () => {
        probes++;
        return [...ends].map(([partition, high]) => ({
          partition,
          offset: String(high),
          high: String(high),
          low: '0',
        }));
      },
    } as unknown as Admin;
    const position = new Map([
      [0, 10n],
      [1, 5n],
    ]);
    const appended = new Map([
      [0, 9_000],
      [1, 9_600],
    ]);
    const barrier = createViewBarrier({
      admin,
      topic: 't',
      progress: { position, newest: new Map(), appended },
      metrics: createScorerMetrics(new Registry()),
      logger: createLogger('view-lag', 'silent'),
      now: () => wall,
    });
    expect(barrier.lagMs()).toBeNull();
    await waitFor(() => barrier.lagMs() !== null, { timeoutMs: 5_000, what: 'the first probe' });
    // Partition 0 is at its end; partition 1 is 3 records behind, its newest read record 400 ms old.
    expect(barrier.lagMs()).toBe(400);
    position.set(1, 8n);
    expect(barrier.lagMs()).toBe(0);
    // A second later the probe is renewed; the new end puts partition 0 behind.
    wall += 1_500;
    ends.set(0, 12n);
    barrier.lagMs();
    await waitFor(() => barrier.lagMs() !== 0, { timeoutMs: 5_000, what: 'a renewed probe' });
    expect(barrier.lagMs()).toBe(wall - 9_000);
    expect(probes).toBe(2);
  });
});
