import { errorMessage } from '@fraud/common';
import { followTopic, partitionFor, withAdminRetry, type KafkaMessage, type TopicFollower } from '@fraud/kafka';
import { entityCopiesOf, type FeatureViews } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import { createViewBarrier, type ViewBarrier } from '../dest-view-barrier.ts';
import { decodeOrSkip } from '../decode-chunk.ts';
import { decodeBundle, type Marker } from './protocol.ts';
import type { EntityOwnersDeps, OwnedSpec } from './owner.ts';

/** One spec's views of one owned entity partition q, and what they hold per `transactions` partition. */
export interface Part {
  q: number;
  spec: OwnedSpec;
  views: FeatureViews;
  barrier: ViewBarrier;
  /** Resolves once the partition's history (as of the start) has been read, backfill included. */
  caughtUp: Promise<void>;
  ready(): boolean;
  /** One fetch of entity-events[q] (the spec's shared reader hands them over in offset order). */
  apply(messages: KafkaMessage[]): Promise<void>;
  /** Called once the reader has read entity-events[q]'s history (committed: read before its end). */
  historyRead(committed: ReadonlyMap<number, bigint>): Promise<void>;
  /**
   * Copies and markers from this instance's own repartition stage, in process, before they reach
   * entity-events: the part then does not wait a Kafka round trip for its own instance's batches
   * (the copies arrive again through the topic, and are held once).
   */
  applyLocal(markers: readonly Marker[], copies: readonly LocalCopy[]): void;
  stop(): Promise<void>;
}

/** A decoded copy handed over in process. */
export interface LocalCopy {
  field: string;
  key: string;
  tx: Transaction;
}

/** What the views hold of one `transactions` partition p. */
interface Source {
  /** The current run of markers of p that list every field of the spec (null: none, or broken by one that did not). */
  fielded: { from: bigint; next: bigint } | null;
  /** Held for sure: every valid payment of p before `pos` (offsets), newest eventTime and append time seen. */
  pos: bigint;
  newest: number;
  appended: number;
  /** Backfilling p from `transactions` since this offset (its copies lack some field of the spec); null: not. */
  backfillFrom: bigint | null;
  /** Where the backfill has read p to. */
  backfillPos: bigint;
}

/**
 * Opens one part (its spec's shared reader feeds it entity-events[q] from the lookback). Progress per
 * `transactions` partition p comes from the markers that list every field of the spec. Where
 * p's copies lack one (the spec is new: the repartition stage copied for the specs in force
 * before it), the part reads p from `transactions` itself, from the first record whose copies
 * lacked it, until the markers' copies take over (their run starts at or before where the
 * backfill has read): a model with a new entity field is served with that field's history from
 * its first chunk, as the offline features are computed.
 */
export function openPart(deps: EntityOwnersDeps, spec: OwnedSpec, q: number, onChange: () => void): Part {
  const views = spec.createViews();
  const fields = new Set(spec.fields);
  const position = new Map<number, bigint>();
  const newest = new Map<number, number>();
  const appended = new Map<number, number>();
  const sources = new Map<number, Source>();
  for (let p = 0; p < deps.partitions; p++) {
    sources.set(p, {
      fielded: null,
      pos: 0n,
      newest: -Infinity,
      appended: -Infinity,
      backfillFrom: null,
      backfillPos: 0n,
    });
    position.set(p, 0n);
  }
  const barrier = createViewBarrier({
    admin: deps.admin,
    topic: deps.transactions,
    probes: deps.probes,
    progress: { position, newest, appended },
    metrics: deps.metrics,
    logger: deps.logger,
    now: deps.now,
  });
  /** A copy this part keeps: a field of its spec, a key of its partition. */
  const mine = (field: string, key: string): boolean => fields.has(field) && partitionFor(key, deps.partitions) === q;
  let stopped = false;
  let ready = false;
  let backfill: { follower: Promise<TopicFollower>; from: Map<number, bigint> } | null = null;

  /** The barrier's view of p: what is held for sure, and nothing past it. */
  const publish = (p: number, s: Source): void => {
    position.set(p, s.pos);
    if (Number.isFinite(s.newest)) newest.set(p, s.newest);
    if (Number.isFinite(s.appended)) appended.set(p, s.appended);
  };

  /** A marker's copies count once p needs no backfill, or the backfill has read up to the run's start. */
  const handOver = (p: number, s: Source, next: bigint): void => {
    if (s.backfillFrom !== null) {
      if (s.fielded === null || s.backfillPos < s.fielded.from) return;
      s.backfillFrom = null;
      deps.logger.info({ spec: spec.id, partition: q, source: p }, 'entity backfill handed over to the copies');
      if (![...sources.values()].some((x) => x.backfillFrom !== null)) stopBackfill();
    }
    if (next > s.pos) s.pos = next;
  };

  const onMarker = (m: Marker): void => {
    const s = sources.get(m.p);
    if (s === undefined) return;
    const next = BigInt(m.next);
    if (m.fields.length >= fields.size && [...fields].every((f) => m.fields.includes(f))) {
      if (s.fielded === null) s.fielded = { from: BigInt(m.from), next };
      else if (next > s.fielded.next) s.fielded.next = next;
      if (m.newest !== null && m.newest > s.newest) s.newest = m.newest;
      if (m.appended !== null && m.appended > s.appended) s.appended = m.appended;
      handOver(m.p, s, next);
    } else {
      // Copies without some field of the spec: p's payments from here come from `transactions`.
      s.fielded = null;
      if (s.backfillFrom === null) {
        s.backfillFrom = BigInt(m.from);
        s.backfillPos = s.backfillFrom;
        startBackfill();
      }
    }
    publish(m.p, s);
  };

  const applyCopies = async (messages: KafkaMessage[]): Promise<void> => {
    const bundles = messages.map((m) => {
      const b = decodeBundle(m.value);
      if (b === null) deps.logger.warn({ offset: m.offset }, 'entity-events: unreadable record skipped');
      return b;
    });
    // Decode every copy of the fetch first: a registry outage throws before anything changed, and
    // the follower fetches the same records again.
    const decoded = await Promise.all(
      bundles.map((b) =>
        Promise.all(
          (b?.copies ?? []).map((c) =>
            fields.has(c.field)
              ? decodeOrSkip(deps.decode, c.value, (err) =>
                  deps.logger.warn({ err: errorMessage(err) }, 'entity-events: undecodable copy skipped'),
                )
              : Promise.resolve(null),
          ),
        ),
      ),
    );
    let copies = 0;
    bundles.forEach((b, i) => {
      if (b === null) return;
      const txs = decoded[i]!;
      b.copies.forEach((c, j) => {
        const tx = txs[j];
        if (!tx) return;
        views.addEntityEvent(tx, c.field);
        copies++;
      });
      for (const marker of b.markers) onMarker(marker);
    });
    if (copies > 0) deps.metrics.recordsDecoded.inc({ source: 'entity' }, copies);
    barrier.progressed();
    onChange();
  };

  /** p's payments read from `transactions` (backfill): the keys of q, for the spec's fields. */
  const applyBackfill = async (messages: KafkaMessage[], p: number): Promise<void> => {
    const s = sources.get(p);
    if (s === undefined || s.backfillFrom === null) return;
    const wanted = messages.filter((m) => BigInt(m.offset) >= s.backfillPos && m.value !== null);
    const decoded = await Promise.all(wanted.map((m) => decodeOrSkip(deps.decode, m.value)));
    deps.metrics.recordsDecoded.inc({ source: 'view' }, wanted.length);
    const at = deps.now();
    for (const tx of decoded) {
      if (!tx || deps.validate(tx, at) !== null) continue;
      for (const c of entityCopiesOf(views, tx)) if (mine(c.field, c.key)) views.addEntityEvent(tx, c.field);
      if (tx.eventTime > s.newest) s.newest = tx.eventTime;
    }
    const last = messages[messages.length - 1];
    if (last !== undefined && Number(last.timestamp) > s.appended) s.appended = Number(last.timestamp);
  };

  const onBackfillProgress = (p: number, next: bigint): void => {
    const s = sources.get(p);
    if (s === undefined || s.backfillFrom === null || next <= s.backfillPos) return;
    s.backfillPos = next;
    if (next > s.pos) s.pos = next;
    handOver(p, s, s.fielded?.next ?? next);
    publish(p, s);
    barrier.progressed();
  };

  function startBackfill(): void {
    if (stopped) return;
    const from = new Map<number, bigint>();
    for (const [p, s] of sources) if (s.backfillFrom !== null) from.set(p, s.backfillPos);
    if (backfill !== null) {
      // Already reading: a new partition joins only if the running reader started at or before it.
      const running = backfill.from;
      if ([...from].every(([p, o]) => running.has(p) && (running.get(p) ?? 0n) <= o)) return;
      stopBackfill();
    }
    const partitions = [...from.keys()];
    deps.logger.info({ spec: spec.id, partition: q, sources: partitions }, 'entity backfill from transactions');
    const follower = followTopic({
      kafka: deps.kafka,
      topic: deps.transactions,
      groupId: `${deps.groupPrefix}-backfill-${spec.hash.slice(0, 12)}-${q}-${Date.now()}`,
      logger: deps.logger,
      partitions,
      from: { offsets: from },
      deleteGroupOnStop: true,
      onMessages: (messages, p) => applyBackfill(messages, p),
      onProgress: onBackfillProgress,
    });
    backfill = { follower, from };
    follower.catch((err: unknown) => deps.logger.error({ err: errorMessage(err) }, 'entity backfill failed to start'));
  }

  function stopBackfill(): void {
    const b = backfill;
    backfill = null;
    void b?.follower.then((f) => f.stop()).catch(() => undefined);
  }

  const t0 = performance.now();
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  /**
   * The shared reader has read entity-events[q] up to its end as of the part's start; `committed`:
   * the repartition stage's committed offsets, read before that end.
   */
  const historyRead = async (committed: ReadonlyMap<number, bigint>): Promise<void> => {
    for (const [p, c] of committed) {
      const s = sources.get(p)!;
      // A partition with no marker in the window had no payment copied in it: nothing to read.
      if (s.fielded === null && s.backfillFrom === null && c > s.pos) s.pos = c;
      publish(p, s);
    }
    const running = backfill as { follower: Promise<TopicFollower> } | null;
    if (running !== null) await (await running.follower).caughtUp;
    ready = true;
    barrier.progressed();
    resolveCaughtUp();
    deps.logger.info(
      { spec: spec.id, partition: q, ...views.size(), ms: Math.round(performance.now() - t0) },
      'entity partition views caught up',
    );
  };

  return {
    q,
    spec,
    views,
    barrier,
    caughtUp,
    ready: () => ready && !stopped,
    apply: applyCopies,
    historyRead,
    applyLocal(markers, copies) {
      if (stopped) return;
      for (const c of copies) if (mine(c.field, c.key)) views.addEntityEvent(c.tx, c.field);
      for (const m of markers) onMarker(m);
      barrier.progressed();
    },
    async stop() {
      stopped = true;
      barrier.close();
      stopBackfill();
    },
  };
}

/** The repartition stage's committed offset per `transactions` partition (0 where none). */
export async function committedOffsets(deps: EntityOwnersDeps): Promise<Map<number, bigint>> {
  const answer = await withAdminRetry(
    () => deps.admin.fetchOffsets({ groupId: deps.groupId, topics: [deps.transactions] }),
    (err, attempt) =>
      deps.logger.warn({ err: errorMessage(err), attempt }, 'entity owner: reading committed offsets failed; retrying'),
  );
  const out = new Map<number, bigint>();
  for (const t of answer)
    for (const p of t.partitions) out.set(p.partition, BigInt(p.offset) < 0n ? 0n : BigInt(p.offset));
  return out;
}
