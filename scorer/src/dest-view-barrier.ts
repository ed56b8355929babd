import { errorMessage, type Logger } from '@fraud/common';
import type { Admin } from '@fraud/kafka';
import type { ViewMetrics } from './metrics.ts';

export type ViewWait = 'ready' | 'lagging';

/** What the destination view's consumer has read, per partition of `transactions`. */
export interface ViewProgress {
  /** Next offset to read; every partition of the topic has an entry from the start. */
  readonly position: ReadonlyMap<number, bigint>;
  /** Newest eventTime read. */
  readonly newest: ReadonlyMap<number, number>;
  /** Newest Kafka record timestamp read (absent: nothing read yet). */
  readonly appended?: ReadonlyMap<number, number>;
}

export interface ViewBarrierDeps {
  admin: Admin;
  topic: string;
  progress: ViewProgress;
  metrics: ViewMetrics;
  logger: Logger;
  /** The injected wall clock (compared with Kafka record timestamps). */
  now: () => number;
  /** End-offset probes shared with other barriers on the same topic (the entity owners' parts); own when absent. */
  probes?: EndProbes;
}

export interface ViewBarrier {
  /**
   * Waits (at most timeoutMs) until, on every partition, the view has read an event at or after
   * `eventTime` or has read up to the partition's end as probed after `appendedBy` (the newest
   * Kafka timestamp of the chunk: an in-order publisher wrote every earlier event before it);
   * then the view holds every earlier event. 'lagging' when the deadline passed first.
   */
  waitFor(eventTime: number, timeoutMs: number, appendedBy?: number): Promise<ViewWait>;
  /**
   * How far behind the end of `transactions` the view is, without waiting: over the partitions
   * the view has not read to the end offset of the latest probe, the most milliseconds since the
   * newest record it read there was appended (an upper bound of how old its oldest unread record
   * is); 0 when it is at every end; null before the first probe has answered. Starts a new probe
   * in the background when the latest is older than a second.
   */
  lagMs(): number | null;
  /** Call whenever the progress moved: waiting chunks re-check. */
  progressed(): void;
  close(): void;
}

/** Allowance for a publisher's clock (Kafka CreateTime) running behind the scorer's. */
const CLOCK_SKEW_MS = 20;
/** No end-offset probe older than this is trusted, whatever the records' timestamps say. */
const MAX_PROBE_AGE_MS = 1_000;

interface Probe {
  started: number;
  ends: Promise<Map<number, bigint>>;
}

/**
 * The barrier a chunk passes before its features read the destination view. It returns at once
 * when the view has read past the chunk's newest eventTime on every partition; otherwise it
 * probes the end offsets (ListOffsets; concurrent chunks share a recent enough probe) and waits
 * for the view to read up to them.
 */
export function createViewBarrier(deps: ViewBarrierDeps): ViewBarrier {
  const { progress, metrics } = deps;
  const listeners = new Set<() => void>();
  const probes = deps.probes ?? createEndProbes(deps);

  const covered = (eventTime: number, probed: Map<number, bigint> | null): boolean => {
    for (const [p, position] of progress.position) {
      if ((progress.newest.get(p) ?? -Infinity) >= eventTime) continue;
      const end = probed?.get(p);
      if (end === undefined || position < end) return false;
    }
    return true;
  };

  const wait = (eventTime: number, timeoutMs: number, since: number): Promise<ViewWait> =>
    new Promise<ViewWait>((resolve) => {
      let probed: Map<number, bigint> | null = null;
      let settled = false;
      const finish = (r: ViewWait): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(r);
      };
      const check = (): void => {
        if (covered(eventTime, probed)) finish('ready');
      };
      const timer = setTimeout(() => finish('lagging'), timeoutMs);
      listeners.add(check);
      probes.since(since).ends.then(
        (e) => {
          probed = e;
          check();
        },
        () => undefined,
      );
    });

  return {
    async waitFor(eventTime, timeoutMs, appendedBy) {
      if (covered(eventTime, null)) return 'ready';
      const t0 = performance.now();
      // A probe that started after the chunk's records were appended sees every partition's end
      // as of then, so concurrent chunks share one. CLOCK_SKEW_MS covers a publisher clock a
      // little behind this one; MAX_PROBE_AGE_MS bounds the damage of publishers that set their
      // own (old) record timestamps.
      const wall = deps.now();
      const since = Math.max(wall - MAX_PROBE_AGE_MS, Math.min(wall, (appendedBy ?? Infinity) + CLOCK_SKEW_MS));
      const result = await wait(eventTime, timeoutMs, since);
      metrics.viewWaitSeconds.observe((performance.now() - t0) / 1000);
      if (result === 'lagging') metrics.viewLagging.inc();
      return result;
    },
    lagMs() {
      const wall = deps.now();
      const ends = probes.latest(wall - MAX_PROBE_AGE_MS);
      if (ends === null) return null;
      let lag = 0;
      for (const [p, position] of progress.position) {
        const end = ends.get(p);
        if (end === undefined || position >= end) continue;
        const appended = progress.appended?.get(p);
        lag = Math.max(lag, appended === undefined ? MAX_PROBE_AGE_MS : wall - appended);
      }
      return lag;
    },
    progressed() {
      for (const l of [...listeners]) l();
    },
    close() {
      listeners.clear();
    },
  };
}

/** End-offset probes of one topic, shared by every wait that can use one started after `since`. */
export interface EndProbes {
  since(since: number): Probe;
  /** The ends of the newest probe that answered (null: none yet); probes again if none started after `fresh`. */
  latest(fresh: number): Map<number, bigint> | null;
}

export function createEndProbes(deps: Pick<ViewBarrierDeps, 'admin' | 'topic' | 'logger' | 'now'>): EndProbes {
  let last: Probe | null = null;
  let answered: Map<number, bigint> | null = null;
  return {
    latest(fresh) {
      if (last === null || last.started < fresh) this.since(fresh);
      return answered;
    },
    since(since) {
      if (last !== null && last.started >= since) return last;
      const probe: Probe = {
        started: deps.now(),
        ends: deps.admin
          .fetchTopicOffsets(deps.topic)
          .then((os) => new Map(os.map((o) => [o.partition, BigInt(o.high)]))),
      };
      probe.ends.then(
        (ends) => void (answered = ends),
        () => undefined,
      );
      probe.ends.catch((err: unknown) => {
        // Forget a failed probe so the next chunk probes again instead of waiting out its deadline.
        if (last === probe) last = null;
        deps.logger.warn({ err: errorMessage(err) }, 'destination view: end-offset probe failed');
      });
      last = probe;
      return probe;
    },
  };
}
