/**
 * The pure half of bench scale: reading a scorer's /metrics text into one instance's figures, and
 * the shares (mean per-instance figure at N instances over the one-instance figure).
 */

export const DECODED_SOURCES = ['input', 'view', 'label_view', 'restore', 'repartition', 'entity'] as const;
export const STATE_KINDS = ['origin', 'view', 'labels'] as const;

export type Decoded = Record<(typeof DECODED_SOURCES)[number] | 'total', number>;
export type StateBytes = Record<(typeof STATE_KINDS)[number] | 'total', number>;

/** What one scorer instance decoded, held and spent, from its /metrics at the end of a run. */
export interface InstanceFigures {
  decoded: Decoded;
  state_bytes: StateBytes;
  /** CPU seconds of the process while the backlog drained (end minus the scrape before publishing). */
  cpu_seconds: number;
  /** CPU seconds of the process since it started (start-up included: tsx, model load). */
  cpu_seconds_process: number;
  /** heapUsed after a forced GC at the end (null without node --expose-gc), and before publishing. */
  heap_used_after_gc_bytes: number | null;
  heap_used_after_gc_before_bytes: number | null;
}

/**
 * The value of the sample `name` whose labels include `labels`, summed over every such sample
 * (Prometheus text format); 0 when none.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Whether the text has a sample named `name` at all. */
export function hasMetric(text: string, name: string): boolean {
  return new RegExp(`^${name}(?:\\{| )`, 'm').test(text);
}

/** One instance's figures from its /metrics text before publishing and at the end. */
export function instanceFigures(before: string, after: string): InstanceFigures {
  const decoded = { total: 0 } as Decoded;
  for (const source of DECODED_SOURCES) {
    decoded[source] = metricValue(after, 'fraud_scorer_records_decoded_total', { source });
    decoded.total += decoded[source];
  }
  const state = { total: 0 } as StateBytes;
  for (const kind of STATE_KINDS) {
    state[kind] = metricValue(after, 'fraud_scorer_state_bytes', { kind });
    state.total += state[kind];
  }
  const cpu = (text: string) => metricValue(text, 'process_cpu_seconds_total');
  const heap = (text: string) =>
    hasMetric(text, 'fraud_scorer_heap_used_after_gc_bytes')
      ? metricValue(text, 'fraud_scorer_heap_used_after_gc_bytes')
      : null;
  return {
    decoded,
    state_bytes: state,
    cpu_seconds: round(cpu(after) - cpu(before), 2),
    cpu_seconds_process: round(cpu(after), 2),
    heap_used_after_gc_bytes: heap(after),
    heap_used_after_gc_before_bytes: heap(before),
  };
}

/**
 * Mean per-instance `figure` at `instances` over its mean at the baseline (one instance): 1/N
 * when the work splits evenly, 1 when every instance does all of it. NaN when the baseline is 0.
 */
export function share<T>(baseline: readonly T[], instances: readonly T[], figure: (t: T) => number): number {
  const mean = (xs: readonly T[]) => xs.reduce((s, x) => s + figure(x), 0) / Math.max(1, xs.length);
  const base = mean(baseline);
  return base === 0 ? Number.NaN : round(mean(instances) / base, 3);
}

/** Whether a share meets issue 18's goal: at most 1/N + 10 percentage points. */
export function meetsGoal(shareAtN: number, n: number): boolean {
  return shareAtN <= 1 / n + 0.1;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
