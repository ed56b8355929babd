import { readFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { errorMessage, sleep, sortedPercentile, waitFor } from '@fraud/common';

/**
 * The load generator of `npm run bench -- api` (bench/api.ts): open-loop phases, the stepped ramp
 * built from them, and the CPU each process spent during a phase. The main path and both ceilings
 * run through this one code path, so their numbers compare.
 */

export interface Outcome {
  ok: boolean;
  fallback: boolean;
  routed?: string;
  decision?: string;
}

export interface Phase {
  offered_req_per_s: number;
  answered_req_per_s: number;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  timeouts: number;
  fallbacks: number;
  errors: number;
  routed_owner: number;
  routed_kafka: number;
  /** CPU seconds each named process spent during the phase (absent: the process was gone). */
  cpu_s?: Record<string, number>;
  /** The named processes' CPU seconds per second of the phase: 2 is both cores. */
  cpu_busy_cores?: number;
  /** Every process's (other engineers' work too) busy CPU seconds per second, from /proc/stat. */
  machine_busy_cores?: number;
  /** The load generator's own event-loop stalls: a latency near these is the generator's, not the server's. */
  load_generator_loop_delay_p99_ms: number;
  load_generator_loop_delay_max_ms: number;
  /** The load generator's longest garbage-collection pause in the phase. */
  load_generator_gc_max_ms: number;
}

/** Process name -> pid, the processes whose CPU a phase reports. */
export type Procs = Record<string, number | undefined>;

/** The p99 a ramp step may reach and still count as sustained. */
export const P99_LIMIT_MS = 50;

/** Linux reports CPU time in USER_HZ ticks, 100 per second on every architecture Node runs on. */
const TICKS_PER_S = 100;

/** utime + stime of `pid` in ticks (all its threads), or undefined when it has exited. */
function processTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // The process is gone (or never was): it has no CPU to report.
    return undefined;
  }
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The machine's busy ticks over all cores (everything but idle and iowait). */
function machineBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return total - (cpu[3] ?? 0) - (cpu[4] ?? 0);
}

/** Starts counting CPU; the returned function gives each process's seconds since then. */
function cpuMeter(procs: Procs): (elapsedS: number) => Pick<Phase, 'cpu_s' | 'cpu_busy_cores' | 'machine_busy_cores'> {
  const before = Object.entries(procs).map(([name, pid]) => [name, pid, pid && processTicks(pid)] as const);
  const machineBefore = machineBusyTicks();
  return (elapsedS) => {
    const cpu_s: Record<string, number> = {};
    for (const [name, pid, t0] of before) {
      const t1 = pid ? processTicks(pid) : undefined;
      if (t0 !== undefined && t1 !== undefined) cpu_s[name] = +((t1 - t0) / TICKS_PER_S).toFixed(2);
    }
    const sum = Object.values(cpu_s).reduce((a, b) => a + b, 0);
    return {
      cpu_s,
      cpu_busy_cores: +(sum / elapsedS).toFixed(2),
      machine_busy_cores: +((machineBusyTicks() - machineBefore) / TICKS_PER_S / elapsedS).toFixed(2),
    };
  };
}

/**
 * Waits (30 s at most) until `procs` together use less than 0.2 cores over half a second: a server
 * still working off the requests an earlier phase gave up on would slow the next phase.
 */
export async function settle(procs: Procs): Promise<void> {
  await waitFor(
    async () => {
      const meter = cpuMeter(procs);
      await sleep(500);
      return (meter(0.5).cpu_busy_cores ?? 0) < 0.2;
    },
    { timeoutMs: 30_000, intervalMs: 0, what: `${Object.keys(procs).join(', ')} to go idle` },
  ).catch((err: unknown) => process.stdout.write(`not settled, measuring anyway: ${errorMessage(err)}\n`));
}

/**
 * CPU milliseconds per request of each of `names` in `phase` (offered requests: an abandoned one
 * costs its servers as much), and the request rate their sum allows on `cores` cores; the load
 * generator is one thread, so it alone stops at 1,000 / its own milliseconds.
 */
export function cpuCost(phase: Phase, names: readonly string[], cores: number) {
  const ms: Record<string, number> = {};
  for (const name of names) ms[name] = +(((phase.cpu_s?.[name] ?? NaN) * 1000) / phase.requests).toFixed(3);
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  return {
    measured_at_req_per_s: phase.offered_req_per_s,
    cpu_ms_per_request: ms,
    cpu_bound_req_per_s: Math.round((cores * 1000) / total),
    load_generator_bound_req_per_s: Math.round(1000 / (ms.load_generator ?? NaN)),
  };
}

/**
 * Offers `rate` requests per second for `seconds`, whatever the answers do (open loop); each
 * latency counts from when its request was due (no coordinated omission).
 */
export async function openLoop(
  name: string,
  rate: number,
  seconds: number,
  call: (i: number) => Promise<Outcome>,
  procs: Procs = {},
): Promise<Phase> {
  const lat: number[] = [];
  let [timeouts, fallbacks, errors, owner, viaKafka] = [0, 0, 0, 0, 0];
  const inFlight: Array<Promise<void>> = [];
  const cpu = cpuMeter(procs);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  loopDelay.enable();
  const start = performance.now();
  const total = Math.round(rate * seconds);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const dueAt = start + (sent * 1000) / rate;
      const i = sent;
      inFlight.push(
        call(i).then(
          (o) => {
            lat.push(performance.now() - dueAt);
            if (!o.ok) errors++;
            if (o.fallback) fallbacks++;
            if (o.routed === 'owner') owner++;
            if (o.routed === 'kafka') viaKafka++;
          },
          () => void timeouts++,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  loopDelay.disable();
  gc.disconnect();
  lat.sort((a, b) => a - b);
  const out: Phase = {
    offered_req_per_s: rate,
    answered_req_per_s: Math.round(lat.length / elapsed),
    requests: total,
    p50_ms: +sortedPercentile(lat, 0.5).toFixed(2),
    p99_ms: +sortedPercentile(lat, 0.99).toFixed(2),
    p999_ms: +sortedPercentile(lat, 0.999).toFixed(2),
    max_ms: +(lat[lat.length - 1] ?? NaN).toFixed(2),
    timeouts,
    fallbacks,
    errors,
    routed_owner: owner,
    routed_kafka: viaKafka,
    load_generator_loop_delay_p99_ms: +(loopDelay.percentile(99) / 1e6).toFixed(2),
    load_generator_loop_delay_max_ms: +(loopDelay.max / 1e6).toFixed(2),
    load_generator_gc_max_ms: +gcMax.toFixed(2),
    ...(Object.keys(procs).length ? cpu(elapsed) : {}),
  };
  process.stdout.write(`${name}: ${JSON.stringify(out)}\n`);
  return out;
}

export interface Ramp {
  steps: Phase[];
  /** The highest rate that held: p99 <= P99_LIMIT_MS, no timeout, no fallback, >= 98% answered. */
  maxSustained: number;
  /** The rate that did not hold (null: every rate held, the ramp did not find the limit). */
  firstFailed: number | null;
}

/** Open-loop steps of `stepS` seconds at each rate in turn, up to the first that does not hold. */
export async function steppedRamp(
  name: string,
  rates: readonly number[],
  stepS: number,
  callAt: (rate: number) => (i: number) => Promise<Outcome>,
  procs: Procs = {},
): Promise<Ramp> {
  const steps: Phase[] = [];
  let maxSustained = 0;
  for (const rate of rates) {
    const phase = await openLoop(`${name} ${rate}/s`, rate, stepS, callAt(rate), procs);
    steps.push(phase);
    const held =
      phase.p99_ms <= P99_LIMIT_MS &&
      phase.timeouts === 0 &&
      phase.fallbacks === 0 &&
      phase.answered_req_per_s >= 0.98 * rate;
    if (!held) return { steps, maxSustained, firstFailed: rate };
    maxSustained = rate;
  }
  return { steps, maxSustained, firstFailed: null };
}
