import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@fraud/common';
import { cpuSeconds, createTimeline, runtimeMetrics } from '../lib/timeline.ts';

const gcText = (major: number, minor: number) => `# HELP nodejs_gc_duration_seconds x
nodejs_gc_duration_seconds_sum{service="scorer",kind="major"} ${major}
nodejs_gc_duration_seconds_sum{service="scorer",kind="minor"} ${minor}
nodejs_eventloop_lag_max_seconds{service="scorer"} 0.25
nodejs_heap_size_used_bytes{service="scorer"} ${300 * 2 ** 20}
`;

describe('bench timeline', () => {
  it('reads GC seconds by kind, the loop lag and the heap from a service registry', async () => {
    expect(runtimeMetrics(gcText(0.5, 1.25))).toEqual({
      gcSeconds: { major: 0.5, minor: 1.25 },
      loopLagMaxMs: 250,
      heapMb: 300,
    });
    // The real registry's names and labels (a service label on every line).
    const real = runtimeMetrics(await createMetricsRegistry('scorer').metrics());
    expect(real.heapMb).toBeGreaterThan(0);
    expect(Number.isFinite(real.loopLagMaxMs)).toBe(true);
  });

  it('reads a process CPU time from /proc, NaN for none', () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(cpuSeconds(undefined)).toBeNaN();
    expect(cpuSeconds(2 ** 22 + 7)).toBeNaN();
  });

  it('files latencies under their publish second and turns GC sums into per-second deltas', async () => {
    let major = 0;
    const timeline = createTimeline({ scorerPid: process.pid, metrics: async () => gcText(major, 0) });
    await timeline.start();
    const t0 = Date.now();
    for (const ms of [10, 20, 30]) timeline.record(t0 + 1, ms);
    timeline.record(t0 - 5_000, 999); // before the start: not filed
    major = 0.2;
    const rows = await timeline.stop();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ second: 0, published: 3, p50_ms: 20, max_ms: 30, heap_used_mb: 300 });
    expect(rows[0]!.gc_ms).toEqual({ major: 200 });
  });
});
