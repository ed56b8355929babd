import { createLabelScheduler, type LabelScheduler } from './labels.ts';
import type { ProducerMetrics } from './metrics.ts';
import { createSimClock, createTokenBucket, pause, type Speed } from './pacing.ts';
import type { Publisher } from './publisher.ts';
import type { EventSource } from './worlds/events.ts';

export interface SimulateRunOptions {
  /** Stop after this many transactions. */
  count?: number;
  /** Stop after this much wall-clock time. */
  durationMs?: number;
  /** Transactions per second ceiling (token bucket); undefined: as fast as possible. */
  ratePerSec?: number;
  /** Simulated time speed relative to the wall clock. */
  speed: Speed;
  /** Publish the delayed labels. */
  labels: boolean;
  /** At a normal end (count or duration), publish labels not yet due (default true). */
  drainLabelsAtEnd?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
}

export interface RunProgress {
  transactions: number;
  labels: number;
  pendingLabels: number;
  simTime: number;
}

export interface SimulateSummary {
  transactions: number;
  fraud: number;
  labels: number;
  /** Labels not published because the run was interrupted. */
  pendingLabels: number;
  failed: number;
  stoppedBy: 'count' | 'duration' | 'signal';
  elapsedMs: number;
  txPerSec: number;
  simulatedFrom: number;
  simulatedTo: number;
}

export interface SimulateDeps {
  simulator: EventSource;
  publisher: Publisher;
  scheduler?: LabelScheduler;
  metrics?: ProducerMetrics;
}

/**
 * Pulls transactions from the simulator and hands them to the publisher, releasing each label
 * once simulated time reaches its due time. Stops on count, duration or signal, then flushes
 * everything accepted. A label is only ever published after its transaction.
 */
export async function runSimulation(deps: SimulateDeps, options: SimulateRunOptions): Promise<SimulateSummary> {
  const { simulator, publisher, metrics } = deps;
  const scheduler = deps.scheduler ?? createLabelScheduler();
  const clock = createSimClock(options.speed);
  const bucket = options.ratePerSec ? createTokenBucket(options.ratePerSec) : undefined;
  const started = Date.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const count = options.count ?? Infinity;
  let n = 0;
  let fraud = 0;
  let stoppedBy: SimulateSummary['stoppedBy'] = 'count';
  let lastTick = started;
  let lastN = 0;
  const simulatedFrom = simulator.now;

  const progress = (): void => {
    const t = Date.now();
    if (t > lastTick) metrics?.rate.set(((n - lastN) * 1000) / (t - lastTick));
    lastTick = t;
    lastN = n;
    metrics?.pendingLabels.set(scheduler.size);
    options.onProgress?.({
      transactions: n,
      labels: publisher.stats.acceptedLabels,
      pendingLabels: scheduler.size,
      simTime: simulator.now,
    });
  };

  const wait = (ms: number): Promise<boolean> => pause(ms, options.signal);

  while (n < count) {
    if (options.signal?.aborted) {
      stoppedBy = 'signal';
      break;
    }
    if ((n & 1023) === 0) {
      if (Date.now() >= deadline) {
        stoppedBy = 'duration';
        break;
      }
      progress();
    }
    const ev = simulator.next();
    const t = ev.transaction.eventTime;
    const paceMs = clock.delayFor(t);
    if (paceMs > 0 && !(await wait(Math.min(paceMs, Math.max(1, deadline - Date.now()))))) continue;
    if (paceMs > 0 && Date.now() >= deadline) {
      stoppedBy = 'duration';
      break;
    }
    if (bucket) {
      let ms = bucket.take(1);
      while (ms > 0 && !options.signal?.aborted) {
        if (!(await wait(ms))) break;
        ms = bucket.take(1);
      }
      if (options.signal?.aborted) continue;
    }
    if (options.labels) for (const label of scheduler.due(t)) publisher.addLabel(label);
    publisher.addTransaction(ev.transaction);
    n++;
    if (ev.isFraud) fraud++;
    if (options.labels && ev.label) scheduler.schedule(ev.label);
    if (publisher.full) await publisher.ready();
  }
  if (stoppedBy !== 'signal' && options.labels && (options.drainLabelsAtEnd ?? true)) {
    for (const label of scheduler.drain()) {
      publisher.addLabel(label);
      if (publisher.full) await publisher.ready();
    }
  }
  await publisher.flush();
  progress();
  const elapsedMs = Date.now() - started;
  return {
    transactions: publisher.stats.sentTransactions,
    fraud,
    labels: publisher.stats.sentLabels,
    pendingLabels: scheduler.size,
    failed: publisher.stats.failed,
    stoppedBy,
    elapsedMs,
    txPerSec: elapsedMs > 0 ? (publisher.stats.sentTransactions * 1000) / elapsedMs : 0,
    simulatedFrom,
    simulatedTo: simulator.now,
  };
}
