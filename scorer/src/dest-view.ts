import { FraudError, errorMessage, isFraudError, type Logger } from '@fraud/common';
import { followTopic, withAdminRetry, withDeadline, type Admin, type Kafka, type KafkaMessage } from '@fraud/kafka';
import type { DestinationView } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import { createViewBarrier, type ViewWait } from './dest-view-barrier.ts';
import { decodeOrSkip } from './decode-chunk.ts';
import type { ViewMetrics } from './metrics.ts';
import type { TransactionValidator } from './ports.ts';

export type { ViewWait } from './dest-view-barrier.ts';

/** Where a view feed puts what it reads: a spec's entity views, or its label view. */
export interface ViewSink<T> {
  /** False when the record was already held (or too old to matter). */
  add(record: T): boolean;
  /** Sizes for the view's gauge (kind -> count). */
  size(): Record<string, number>;
}

export interface ViewFeedOptions<T> {
  kafka: Kafka;
  topic: string;
  /** A group of this instance's own: offsets are never committed, every instance reads everything. */
  groupId: string;
  sink: ViewSink<T>;
  decode: (buf: Buffer) => Promise<T>;
  /** Why a record is skipped, or null (the scorer dead-letters invalid payments; training never sees them). */
  validate: (record: T, now: number) => string | null;
  /** The record's time the barrier compares a chunk's newest eventTime with (eventTime; a label's labeledAt). */
  timeOf: (record: T) => number;
  /** Start this far back (Kafka record timestamps) from now. */
  lookbackMs: number;
  metrics: ViewMetrics;
  logger: Logger;
  /** The injected wall clock; Date.now when omitted. */
  now?: () => number;
}

export interface DestViewFeedOptions extends Omit<ViewFeedOptions<Transaction>, 'sink' | 'validate' | 'timeOf'> {
  view: DestinationView;
  validate: TransactionValidator;
}

export interface DestViewFeed {
  /** Resolves when the view has read every partition up to its end as of start. */
  caughtUp: Promise<void>;
  /** The barrier (dest-view-barrier.ts): 'ready' once the view holds every event before eventTime. */
  waitFor(eventTime: number, timeoutMs: number, appendedBy?: number): Promise<ViewWait>;
  /** Milliseconds the view is behind the end of its topic, without waiting (ViewBarrier.lagMs). */
  lagMs(): number | null;
  /** False once its consumer crashed for good (kafkajs gave up restarting it). */
  healthy(): boolean;
  stop(): Promise<void>;
}

/**
 * Feeds the global destination view: a follower in every scorer instance that reads every
 * partition of `transactions` (read_committed, from `lookbackMs` ago) and adds each valid payment
 * to the view. Payments the scorer itself already added are ignored by the view (same
 * destination, eventTime and txId). Invalid records are skipped: the scorer dead-letters them,
 * and offline training never sees them either.
 */
export function startDestViewFeed(opts: DestViewFeedOptions): Promise<DestViewFeed> {
  const { view, validate, ...rest } = opts;
  return startViewFeed<Transaction>({
    ...rest,
    sink: { add: (tx) => view.add(tx), size: () => view.size() },
    validate,
    timeOf: (tx) => tx.eventTime,
  });
}

/**
 * A view feed over every partition of one topic, read_committed, from `lookbackMs` ago, with the
 * barrier of dest-view-barrier.ts on the records' times: the destination view on `transactions`,
 * a label view on `labels`.
 */
export async function startViewFeed<T>(opts: ViewFeedOptions<T>): Promise<DestViewFeed> {
  const { kafka, topic, logger } = opts;
  const now = opts.now ?? Date.now;
  const from = now() - opts.lookbackMs;
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const position = await startOffsets(admin, topic, from, logger);
    const newest = new Map<number, number>();
    const appended = new Map<number, number>();
    const barrier = createViewBarrier({ ...opts, admin, progress: { position, newest, appended }, now });
    const follower = await followTopic({
      kafka,
      topic,
      groupId: opts.groupId,
      logger,
      from: { timestamp: from },
      onMessages: async (messages, partition) => {
        await applyFetch(messages, partition, newest, opts, now);
        const last = messages[messages.length - 1];
        if (last !== undefined) appended.set(partition, Math.max(appended.get(partition) ?? 0, Number(last.timestamp)));
      },
      onProgress: (partition, next) => {
        if (next > (position.get(partition) ?? -1n)) position.set(partition, next);
        barrier.progressed();
      },
    });
    return {
      caughtUp: follower.caughtUp,
      waitFor: (eventTime, timeoutMs, appendedBy) => barrier.waitFor(eventTime, timeoutMs, appendedBy),
      lagMs: () => barrier.lagMs(),
      healthy: () => follower.healthy(),
      async stop() {
        barrier.close();
        await follower
          .stop()
          .catch((err: unknown) => logger.warn({ err: errorMessage(err), topic }, 'view consumer stop failed'));
        await admin.disconnect().catch(() => undefined);
      },
    };
  } catch (err: unknown) {
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
}

/**
 * The first offset at or after `timestamp` per partition (the end when there is none). Read
 * before the follower starts, so it is never past the follower's own start: the barrier may
 * wait a little more, never less.
 */
async function startOffsets(admin: Admin, topic: string, timestamp: number, logger: Logger) {
  const [byTime, offsets] = await withAdminRetry(
    () => Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, timestamp), admin.fetchTopicOffsets(topic)]),
    (err, attempt) =>
      logger.warn({ err: errorMessage(err), attempt }, 'destination view: reading start offsets failed; retrying'),
  );
  const high = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const position = new Map<number, bigint>();
  for (const o of byTime) {
    const at = BigInt(o.offset);
    position.set(o.partition, at < 0n ? (high.get(o.partition) ?? 0n) : at);
  }
  return position;
}

/**
 * Adds one fetch's valid records to the view. Bad bytes are skipped (the scorer dead-letters
 * them); an outage (registry down) throws, so the follower fetches the records again and nothing
 * is lost from the view.
 */
async function applyFetch<T>(
  messages: KafkaMessage[],
  partition: number,
  newest: Map<number, number>,
  opts: ViewFeedOptions<T>,
  now: () => number,
): Promise<void> {
  const decoded = await Promise.all(messages.map((m) => decodeOrSkip(opts.decode, m.value)));
  const at = now();
  let added = 0;
  let skipped = 0;
  let maxTime = newest.get(partition) ?? -Infinity;
  for (const record of decoded) {
    if (record === null || opts.validate(record, at) !== null) {
      skipped++;
      continue;
    }
    const t = opts.timeOf(record);
    if (t > maxTime) maxTime = t;
    if (opts.sink.add(record)) added++;
  }
  newest.set(partition, maxTime);
  const { metrics, sink } = opts;
  metrics.viewRecords.inc(added);
  metrics.viewDecoded.inc(messages.length);
  for (const [kind, n] of Object.entries(sink.size())) metrics.viewSize.set({ kind }, n);
  if (skipped > 0) metrics.viewSkipped.inc(skipped);
}

/** Waits for the feed's first catch-up, or fails naming the variable that bounds it. */
export async function awaitViewCaughtUp(
  feed: DestViewFeed,
  timeoutMs: number,
  variable: string,
  what = "reading the transactions topic's recent history into the destination view",
  lookbackVariable = 'SCORER_DEST_VIEW_LOOKBACK_MS',
): Promise<void> {
  try {
    await withDeadline(feed.caughtUp, timeoutMs, what);
  } catch (err: unknown) {
    if (!isFraudError(err) || err.code !== 'TIMEOUT') throw err;
    throw new FraudError('TIMEOUT', `${err.message}: raise ${variable} or lower ${lookbackVariable}`, {
      retriable: true,
      cause: err,
    });
  }
}
