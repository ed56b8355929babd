/**
 * A per-second timeline of a latency phase, to tell a few stalls from a slow path: end-to-end
 * latency of the payments published in each second, next to what the scorer and the broker did in
 * it (CPU seconds from /proc, the scorer's garbage collection and event-loop lag from its /metrics).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sortedPercentile } from '@fraud/common';
import { hasMetric, metricValue } from './scale-report.ts';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS = 100;

/** CPU seconds (user + system) a process has used, or NaN when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** The local Kafka broker's process id (the JVM running kafka.Kafka), if one runs. */
export function brokerPid(): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-f', 'kafka\\.Kafka'], { encoding: 'utf8' }).trim().split('\n')[0];
    return out ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

/** The kinds prom-client labels nodejs_gc_duration_seconds with. */
const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;

/** Sums of the scorer's GC seconds by kind and its event-loop lag max over the last scrape, from /metrics text. */
export function runtimeMetrics(text: string): {
  gcSeconds: Record<string, number>;
  loopLagMaxMs: number;
  heapMb: number;
} {
  const gcSeconds: Record<string, number> = {};
  for (const kind of GC_KINDS) {
    const seconds = metricValue(text, 'nodejs_gc_duration_seconds_sum', { kind });
    if (seconds > 0) gcSeconds[kind] = seconds;
  }
  const value = (name: string): number => (hasMetric(text, name) ? metricValue(text, name) : Number.NaN);
  return {
    gcSeconds,
    loopLagMaxMs: value('nodejs_eventloop_lag_max_seconds') * 1000,
    heapMb: Math.round(value('nodejs_heap_size_used_bytes') / 2 ** 20),
  };
}

interface Sample {
  at: number;
  scorerCpu: number;
  brokerCpu: number;
  gcSeconds: Record<string, number>;
  loopLagMaxMs: number;
  heapMb: number;
}

/** One second of the timeline. */
export interface TimelineRow {
  second: number;
  published: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  scorer_cpu: number;
  broker_cpu: number;
  gc_ms: Record<string, number>;
  loop_lag_max_ms: number;
  heap_used_mb: number;
}

/**
 * Samples once a second from `start()` until `stop()`; `record(publishedAt, latencyMs)` files a
 * payment's latency under the second it was published in.
 */
export function createTimeline(opts: { scorerPid: number | undefined; metrics: () => Promise<string> }) {
  const broker = brokerPid();
  const samples: Sample[] = [];
  const latencies = new Map<number, number[]>();
  let startMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let sampling: Promise<void> = Promise.resolve();
  const sample = async (): Promise<void> => {
    const at = Date.now();
    const scorerCpu = cpuSeconds(opts.scorerPid);
    const brokerCpu = cpuSeconds(broker);
    const runtime = await opts
      .metrics()
      .then(runtimeMetrics, () => ({ gcSeconds: {}, loopLagMaxMs: Number.NaN, heapMb: Number.NaN }));
    samples.push({ at, scorerCpu, brokerCpu, ...runtime });
  };
  return {
    async start(): Promise<void> {
      startMs = Date.now();
      await sample();
      timer = setInterval(() => void (sampling = sampling.then(sample)), 1_000);
    },
    record(publishedAt: number, latencyMs: number): void {
      const second = Math.floor((publishedAt - startMs) / 1000);
      if (second < 0) return;
      let list = latencies.get(second);
      if (!list) latencies.set(second, (list = []));
      list.push(latencyMs);
    },
    async stop(): Promise<TimelineRow[]> {
      clearInterval(timer);
      await sampling;
      await sample();
      const rows: TimelineRow[] = [];
      for (let i = 1; i < samples.length; i++) {
        const a = samples[i - 1]!;
        const b = samples[i]!;
        const second = Math.round((a.at - startMs) / 1000);
        const seconds = (b.at - a.at) / 1000;
        const lat = (latencies.get(second) ?? []).sort((x, y) => x - y);
        const gc: Record<string, number> = {};
        for (const [kind, s] of Object.entries(b.gcSeconds)) {
          const ms = (s - (a.gcSeconds[kind] ?? 0)) * 1000;
          if (ms > 0) gc[kind] = +ms.toFixed(1);
        }
        rows.push({
          second,
          published: lat.length,
          p50_ms: lat.length ? sortedPercentile(lat, 0.5) : Number.NaN,
          p99_ms: lat.length ? sortedPercentile(lat, 0.99) : Number.NaN,
          max_ms: lat.length ? lat[lat.length - 1]! : Number.NaN,
          scorer_cpu: +((b.scorerCpu - a.scorerCpu) / seconds).toFixed(2),
          broker_cpu: +((b.brokerCpu - a.brokerCpu) / seconds).toFixed(2),
          gc_ms: gc,
          loop_lag_max_ms: +b.loopLagMaxMs.toFixed(1),
          heap_used_mb: b.heapMb,
        });
      }
      return rows;
    },
  };
}
