import { errorMessage, type Logger } from '@fraud/common';
import { followTopic, withAdminRetry, type Admin, type Kafka, type TopicFollower } from '@fraud/kafka';
import { sliceOf, type FeatureViews } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import type { ScorerMetrics } from '../metrics.ts';
import type { TransactionValidator } from '../ports.ts';
import { createEndProbes, type EndProbes } from '../dest-view-barrier.ts';
import { committedOffsets, openPart, type LocalCopy, type Part } from './part.ts';
import type { LookupAnswer, LookupRequest, Marker } from './protocol.ts';

/** A spec whose entity views this instance keeps for the partitions it owns. */
export interface OwnedSpec {
  hash: string;
  id: string;
  /** The entity fields of its view stores (the copies it needs). */
  fields: readonly string[];
  /** Fresh views of the spec (entity stores that keep events). */
  createViews(): FeatureViews;
}

export interface EntityOwnersDeps {
  kafka: Kafka;
  admin: Admin;
  /** `transactions` (the barrier probes its ends) and `entity-events`. */
  transactions: string;
  entityEvents: string;
  /** Partitions of `transactions` (and of `entity-events`). */
  partitions: number;
  /** The repartition stage's consumer group: its committed offsets are where the copies surely reach. */
  groupId: string;
  /** Prefix of the owners' private follower groups (unique per instance). */
  groupPrefix: string;
  decode(b: Buffer): Promise<Transaction>;
  /** Backfills skip what the scorer dead-letters, as the repartition stage does. */
  validate: TransactionValidator;
  /** Called once when a reader's consumer crashed for good. */
  onDeath?: () => void;
  /** End-offset probes of `transactions`, shared by every part (created by createEntityOwners). */
  probes?: EndProbes;
  /** How far back (record timestamps) a partition's history is read. */
  lookbackMs: number;
  metrics: ScorerMetrics;
  logger: Logger;
  now: () => number;
}

export interface EntityOwners {
  /** Keeps `spec`'s views of every owned partition from now on (started for the ones owned now). */
  register(spec: OwnedSpec): void;
  unregister(hash: string): void;
  /** The loop's assignment changed: start the new partitions' views, drop the lost ones. */
  assigned(partitions: readonly number[]): void;
  /** Resolves once every registered spec's views of partition q have read their history. */
  ready(q: number): Promise<void>;
  /** Resolves once the spec's views of every partition owned now have read their history. */
  specReady(hash: string): Promise<void>;
  /** Copies and markers from this instance's repartition stage, in process (Part.applyLocal). */
  deliverLocal(markers: readonly Marker[], copies: readonly LocalCopy[]): void;
  /**
   * Answers a lookup on an owned partition (waiting at most req.waitMs for its barrier): copies of
   * each key's events a lookup may read, or with `live` (a chunk of this process) each key's own
   * event list, which the chunk's private view then shares (see EntityGather.gather).
   */
  lookup(req: LookupRequest, opts?: { live?: boolean }): Promise<LookupAnswer>;
  /** Views held now (state bytes). */
  views(): FeatureViews[];
  /** How far behind the copies of every `transactions` partition the owned views are (ms; null: unknown). */
  lagMs(hash: string): number | null;
  healthy(): boolean;
  stop(): Promise<void>;
}

/**
 * The entity owners of one scorer instance: for each partition q of `transactions` it owns (the
 * scoring group's assignment: it owns `entity-events[q]` too) and each spec with entity features,
 * views of the keys that hash to q, rebuilt by reading `entity-events[q]` over the lookback and
 * then followed. Progress per `transactions` partition comes from the markers (and, at start, the
 * repartition stage's committed offsets: a batch's copies were acknowledged before its offset was
 * committed), and the barrier of dest-view-barrier.ts turns it into "holds every event before t".
 */
export function createEntityOwners(deps: EntityOwnersDeps): EntityOwners {
  const specs = new Map<string, OwnedSpec>();
  const parts = new Map<string, Part>();
  let owned: number[] = [];
  let dead = false;
  const keyOf = (hash: string, q: number): string => `${hash}/${q}`;
  /** fraud_scorer_dest_view_size: the keys and events of the views this instance owns. */
  const reportSize = (): void => {
    let keys = 0;
    let events = 0;
    for (const p of parts.values()) {
      const size = p.views.size();
      keys += size.keys;
      events += size.events;
    }
    deps.metrics.viewSize.set({ kind: 'destinations' }, keys);
    deps.metrics.viewSize.set({ kind: 'events' }, events);
  };

  // One probe of the ends of `transactions` serves the waits of every part started after it.
  const probes = createEndProbes({ admin: deps.admin, topic: deps.transactions, logger: deps.logger, now: deps.now });
  const startPart = (spec: OwnedSpec, q: number): Part =>
    openPart({ ...deps, probes, onDeath: () => (dead = true) }, spec, q, reportSize);

  const readers = new Map<string, SpecReader>();
  const readerOf = (hash: string): SpecReader => {
    let r = readers.get(hash);
    if (r === undefined) {
      r = { next: new Map(), notified: new Set(), generation: 0, chain: Promise.resolve(), follower: null };
      readers.set(hash, r);
    }
    return r;
  };

  const stopPart = (key: string, part: Part): void => {
    parts.delete(key);
    readers.get(part.spec.hash)?.next.delete(part.q);
    readers.get(part.spec.hash)?.notified.delete(part.q);
    void part
      .stop()
      .catch((err: unknown) => deps.logger.warn({ err: errorMessage(err) }, 'entity partition reader stop failed'));
  };

  /** The spec's one reader of entity-events, restarted on the partitions its parts own now. */
  const restartReader = (hash: string): void => {
    const reader = readerOf(hash);
    const generation = ++reader.generation;
    reader.chain = reader.chain
      .then(async () => {
        const old = reader.follower;
        reader.follower = null;
        await old?.stop().catch(() => undefined);
        if (generation !== reader.generation) return;
        const mine = [...parts.values()].filter((p) => p.spec.hash === hash);
        if (mine.length === 0) {
          readers.delete(hash);
          return;
        }
        reader.follower = await startReader(
          deps,
          reader,
          mine,
          () => generation !== reader.generation,
          () => {
            dead = true;
          },
        );
      })
      .catch((err: unknown) => {
        deps.logger.error({ err: errorMessage(err) }, 'entity-events reader failed to start');
        dead = true;
      });
  };

  const sync = (): void => {
    const changed = new Set<string>();
    for (const [key, part] of [...parts]) {
      if (!owned.includes(part.q) || !specs.has(part.spec.hash)) {
        stopPart(key, part);
        changed.add(part.spec.hash);
      }
    }
    for (const spec of specs.values()) {
      for (const q of owned) {
        const key = keyOf(spec.hash, q);
        if (parts.has(key)) continue;
        parts.set(key, startPart(spec, q));
        changed.add(spec.hash);
      }
    }
    for (const hash of changed) restartReader(hash);
  };

  return {
    register(spec) {
      specs.set(spec.hash, spec);
      sync();
    },
    unregister(hash) {
      specs.delete(hash);
      sync();
    },
    assigned(partitions) {
      owned = [...partitions].sort((a, b) => a - b);
      sync();
    },
    deliverLocal(markers, copies) {
      for (const part of parts.values()) part.applyLocal(markers, copies);
    },
    async specReady(hash) {
      await Promise.all([...parts.values()].filter((p) => p.spec.hash === hash).map((p) => p.caughtUp));
    },
    async ready(q) {
      await Promise.all([...parts.values()].filter((p) => p.q === q).map((p) => p.caughtUp));
    },
    async lookup(req, opts) {
      if (!owned.includes(req.partition)) return { kind: 'not_owner' };
      const part = parts.get(keyOf(req.spec, req.partition));
      if (part === undefined) return { kind: 'not_ready', why: `spec ${req.spec.slice(0, 12)} is not running here` };
      if (!part.ready()) return { kind: 'not_ready', why: `entity partition ${req.partition} is reading its history` };
      const status = req.waitMs > 0 ? await part.barrier.waitFor(req.t, req.waitMs, req.appendedBy) : 'lagging';
      if (!part.ready()) return { kind: 'not_owner' };
      const settled = status === 'ready' || (req.waitMs === 0 && part.barrier.lagMs() === 0) ? 'ready' : 'lagging';
      const stores = part.views.stores;
      const slices = req.keys.map((k) => {
        const store = stores[k.store];
        if (store === undefined) return null;
        return opts?.live === true ? (store.keys.get(k.key) ?? null) : sliceOf(store, k.key, k.tMin, k.tMax);
      });
      deps.metrics.entity.lookupKeys.inc({ where: 'served' }, req.keys.length);
      return { kind: 'answer', status: settled, slices };
    },
    views: () => [...parts.values()].map((p) => p.views),
    lagMs(hash) {
      let lag: number | null = null;
      for (const p of parts.values()) {
        if (p.spec.hash !== hash) continue;
        const l = p.barrier.lagMs();
        if (l !== null) lag = Math.max(lag ?? 0, l);
      }
      return lag;
    },
    healthy: () => !dead,
    async stop() {
      specs.clear();
      owned = [];
      for (const r of readers.values()) {
        r.generation++;
        await r.chain;
        await r.follower?.stop().catch(() => undefined);
      }
      readers.clear();
      const all = [...parts.values()];
      parts.clear();
      await Promise.all(all.map((p) => p.stop().catch(() => undefined)));
    },
  };
}

/** One spec's reader of entity-events over the partitions its parts own (restarted when they change). */
interface SpecReader {
  /** Next offset to read per entity partition (kept across restarts; absent: read its history first). */
  next: Map<number, bigint>;
  /** Entity partitions whose part has been told its history is read. */
  notified: Set<number>;
  generation: number;
  chain: Promise<void>;
  follower: TopicFollower | null;
}

/**
 * Starts a spec's reader: parts it has read before continue where they were; new ones read from
 * the lookback, and are told once they reached the end offset of their partition as of now (with
 * the repartition stage's offsets committed before it). One consumer for all of the instance's
 * entity partitions: one fetch per write of the repartition stage, whatever the partition count.
 */
async function startReader(
  deps: EntityOwnersDeps,
  reader: SpecReader,
  parts: readonly Part[],
  superseded: () => boolean,
  onDeath: () => void,
): Promise<TopicFollower | null> {
  const waiting = parts.filter((p) => !reader.notified.has(p.q));
  const committed = waiting.length > 0 ? await committedOffsets(deps) : new Map<number, bigint>();
  const [byTime, ends] = await withAdminRetry(
    () =>
      Promise.all([
        deps.admin.fetchTopicOffsetsByTimestamp(deps.entityEvents, deps.now() - deps.lookbackMs),
        deps.admin.fetchTopicOffsets(deps.entityEvents),
      ]),
    (err, attempt) => deps.logger.warn({ err: errorMessage(err), attempt }, 'entity-events: reading offsets failed'),
  );
  if (superseded()) return null;
  const high = new Map(ends.map((o) => [o.partition, BigInt(o.high)]));
  const atTime = new Map(byTime.map((o) => [o.partition, BigInt(o.offset)]));
  const from = new Map<number, bigint>();
  const pending = new Map<number, { part: Part; end: bigint }>();
  const notify = (part: Part): void => {
    reader.notified.add(part.q);
    void part.historyRead(committed);
  };
  for (const part of parts) {
    const end = high.get(part.q) ?? 0n;
    const t = atTime.get(part.q) ?? -1n;
    const start = reader.next.get(part.q) ?? (t < 0n || t > end ? end : t);
    from.set(part.q, start);
    reader.next.set(part.q, start);
    if (reader.notified.has(part.q)) continue;
    if (start >= end) notify(part);
    else pending.set(part.q, { part, end });
  }
  const byQ = new Map(parts.map((p) => [p.q, p]));
  return followTopic({
    kafka: deps.kafka,
    topic: deps.entityEvents,
    groupId: `${deps.groupPrefix}-entity-${parts[0]!.spec.hash.slice(0, 12)}-${reader.generation}`,
    logger: deps.logger,
    partitions: [...from.keys()],
    from: { offsets: from },
    deleteGroupOnStop: true,
    onMessages: async (messages, q) => {
      await byQ.get(q)?.apply(messages);
      const last = messages[messages.length - 1];
      if (last !== undefined) reader.next.set(q, BigInt(last.offset) + 1n);
    },
    onProgress: (q, next) => {
      if (next > (reader.next.get(q) ?? 0n)) reader.next.set(q, next);
      const p = pending.get(q);
      if (p !== undefined && next >= p.end) {
        pending.delete(q);
        notify(p.part);
      }
    },
    onDeath,
  });
}
