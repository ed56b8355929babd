import type { Admin, Consumer, Kafka } from 'kafkajs';
import { errorMessage, FraudError, type Logger } from '@fraud/common';
import { withAdminRetry } from '@fraud/kafka';
import type { DestinationView } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import type { ScorerMetrics } from './metrics.ts';
import { isBadRecordError } from './process-batch.ts';
import type { TransactionValidator } from './ports.ts';

export interface DestViewFeedOptions {
  kafka: Kafka;
  topic: string;
  /** A group of this instance's own: offsets are never committed, every instance reads everything. */
  groupId: string;
  view: DestinationView;
  decode: (buf: Buffer) => Promise<Transaction>;
  validate: TransactionValidator;
  /** Start this far back (Kafka record timestamps) from now. */
  lookbackMs: number;
  metrics: ScorerMetrics;
  logger: Logger;
  now?: () => number;
}

export type ViewWait = 'ready' | 'lagging';

export interface DestViewFeed {
  /** Resolves when the view has read every partition up to its end as of start. */
  caughtUp: Promise<void>;
  /**
   * Waits (at most timeoutMs) until, on every partition, the view has read an event at or after
   * `eventTime` or has read up to the partition's end as probed after `appendedBy` (the newest
   * Kafka timestamp of the batch: an in-order publisher wrote every earlier event before it);
   * then the view holds every earlier event. 'lagging' when the deadline passed first.
   */
  waitFor(eventTime: number, timeoutMs: number, appendedBy?: number): Promise<ViewWait>;
  /** False once its consumer crashed for good (kafkajs gave up restarting it). */
  healthy(): boolean;
  stop(): Promise<void>;
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
 * Feeds the global destination view: a second consumer in every scorer instance that reads
 * every partition of `transactions` (read_committed, from `lookbackMs` ago) and adds each valid
 * transaction to the view. Records the scorer itself already added are ignored by the view
 * (same destination, eventTime and txId). Invalid records are skipped: the scorer dead-letters
 * them, and offline training never sees them either.
 */
export async function startDestViewFeed(opts: DestViewFeedOptions): Promise<DestViewFeed> {
  const { kafka, topic, view, metrics, logger } = opts;
  const now = opts.now ?? Date.now;
  const admin: Admin = kafka.admin();
  await admin.connect();

  /** Next offset to read per partition, and the newest eventTime read per partition. */
  const position = new Map<number, bigint>();
  const newest = new Map<number, number>();
  const start = new Map<number, bigint>();
  let ends: Map<number, bigint>;
  try {
    const [from, high] = await withAdminRetry(
      () =>
        Promise.all([
          admin.fetchTopicOffsetsByTimestamp(topic, now() - opts.lookbackMs),
          admin.fetchTopicOffsets(topic),
        ]),
      (err, attempt) =>
        logger.warn({ err: errorMessage(err), attempt }, 'destination view: reading start offsets failed; retrying'),
    );
    for (const o of from) start.set(o.partition, BigInt(o.offset));
    ends = new Map(high.map((o) => [o.partition, BigInt(o.high)]));
    for (const [p, s] of start) position.set(p, s);
  } catch (err: unknown) {
    await admin.disconnect().catch(() => undefined);
    throw err;
  }

  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };

  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  const atStartEnd = (): boolean => [...ends].every(([p, e]) => (position.get(p) ?? 0n) >= e);
  if (atStartEnd()) resolveCaughtUp();

  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    minBytes: 1,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const next = BigInt(e.payload.lastOffset) + 1n;
    if (next > (position.get(e.payload.partition) ?? -1n)) position.set(e.payload.partition, next);
    if (atStartEnd()) resolveCaughtUp();
    notify();
  });
  let crashed = false;
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) crashed = true;
    logger.error(
      { err: errorMessage(e.payload.error), restart: e.payload.restart },
      'destination view consumer crashed',
    );
  });
  /** Last offset added per partition: a rejoin that rewinds the private group never adds twice. */
  const applied = new Map<number, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      const p = batch.partition;
      const from = start.get(p) ?? 0n;
      const done = applied.get(p) ?? -1n;
      const fresh = batch.messages.filter((m) => {
        const o = BigInt(m.offset);
        return o >= from && o > done;
      });
      if (fresh.length === 0) return;
      // Bad bytes are skipped (the scorer dead-letters them); an outage (registry down) throws,
      // so kafkajs fetches the batch again and nothing is lost from the view.
      const decoded = await Promise.all(
        fresh.map((m) =>
          m.value && m.value.length > 0
            ? opts.decode(m.value).catch((err: unknown) => {
                if (isBadRecordError(err)) return null;
                throw err;
              })
            : Promise.resolve(null),
        ),
      );
      const at = now();
      let added = 0;
      let skipped = 0;
      let maxTime = newest.get(p) ?? -Infinity;
      for (const tx of decoded) {
        if (tx === null || opts.validate(tx, at) !== null) {
          skipped++;
          continue;
        }
        if (tx.eventTime > maxTime) maxTime = tx.eventTime;
        if (view.add(tx)) added++;
      }
      newest.set(p, maxTime);
      applied.set(p, BigInt(fresh[fresh.length - 1]!.offset));
      metrics.viewRecords.inc(added);
      const size = view.size();
      metrics.viewSize.set({ kind: 'destinations' }, size.destinations);
      metrics.viewSize.set({ kind: 'events' }, size.events);
      if (skipped > 0) metrics.viewSkipped.inc(skipped);
      await heartbeat();
    },
  });
  // Jump past everything older than the lookback (the filter above already ignores it).
  for (const [p, s] of start) consumer.seek({ topic, partition: p, offset: s.toString() });

  let lastProbe: Probe | null = null;
  const probe = (since: number): Probe => {
    if (lastProbe !== null && lastProbe.started >= since) return lastProbe;
    const p: Probe = {
      started: Date.now(),
      ends: admin.fetchTopicOffsets(topic).then((os) => new Map(os.map((o) => [o.partition, BigInt(o.high)]))),
    };
    p.ends.catch((err: unknown) => {
      // Forget a failed probe so the next batch probes again instead of waiting out its deadline.
      if (lastProbe === p) lastProbe = null;
      logger.warn({ err: errorMessage(err) }, 'destination view: end-offset probe failed');
    });
    lastProbe = p;
    return p;
  };

  const covered = (eventTime: number, probed: Map<number, bigint> | null): boolean => {
    for (const p of start.keys()) {
      if ((newest.get(p) ?? -Infinity) >= eventTime) continue;
      const end = probed?.get(p);
      if (end === undefined || (position.get(p) ?? 0n) < end) return false;
    }
    return true;
  };

  const waitFor = async (eventTime: number, timeoutMs: number, appendedBy?: number): Promise<ViewWait> => {
    if (covered(eventTime, null)) return 'ready';
    const t0 = performance.now();
    // A probe that started after the batch's records were appended sees every partition's end
    // as of then, so concurrent batches share one. CLOCK_SKEW_MS covers a publisher clock a
    // little behind this one; MAX_PROBE_AGE_MS bounds the damage of publishers that set their
    // own (old) record timestamps.
    const wall = Date.now();
    const since = Math.max(wall - MAX_PROBE_AGE_MS, Math.min(wall, (appendedBy ?? Infinity) + CLOCK_SKEW_MS));
    let probed: Map<number, bigint> | null = null;
    const result = await new Promise<ViewWait>((resolve) => {
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
      probe(since).ends.then(
        (e) => {
          probed = e;
          check();
        },
        () => undefined,
      );
    });
    metrics.viewWaitSeconds.observe((performance.now() - t0) / 1000);
    if (result === 'lagging') metrics.viewLagging.inc();
    return result;
  };

  return {
    caughtUp,
    waitFor,
    healthy: () => !crashed,
    async stop() {
      listeners.clear();
      await consumer
        .disconnect()
        .catch((err: unknown) =>
          logger.warn({ err: errorMessage(err) }, 'destination view consumer disconnect failed'),
        );
      await admin.disconnect().catch(() => undefined);
    },
  };
}

/** Waits for the feed's first catch-up, or fails naming the variable that bounds it. */
export async function awaitViewCaughtUp(feed: DestViewFeed, timeoutMs: number, variable: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FraudError(
            'TIMEOUT',
            `the destination view did not read the transactions topic's recent history within ${timeoutMs} ms: raise ${variable} or lower SCORER_DEST_VIEW_LOOKBACK_MS`,
            { retriable: true },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([feed.caughtUp, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
