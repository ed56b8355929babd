import { errorMessage, type Logger } from '@fraud/common';
import {
  firstHeader,
  followTopic,
  withAdminRetry,
  type Admin,
  type Kafka,
  type KafkaMessage,
  type TopicFollower,
} from '@fraud/kafka';
import { sliceOf, type FeatureViews } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import { createViewBarrier, type ViewBarrier } from '../dest-view-barrier.ts';
import type { ScorerMetrics } from '../metrics.ts';
import { ENTITY_HEADER, MARKER_HEADER, decodeMarker, type LookupAnswer, type LookupRequest } from './protocol.ts';

/** A spec whose entity views this instance keeps for the partitions it owns. */
export interface OwnedSpec {
  hash: string;
  id: string;
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
  /** The scoring consumer group: its committed offsets are where the copies surely reach. */
  groupId: string;
  /** Prefix of the owners' private follower groups (unique per instance). */
  groupPrefix: string;
  decode(b: Buffer): Promise<Transaction>;
  /** How far back (record timestamps) a partition's history is read. */
  lookbackMs: number;
  metrics: ScorerMetrics;
  logger: Logger;
  now: () => number;
}

/** One spec's views of one owned entity partition, fed by its follower. */
interface Part {
  q: number;
  spec: OwnedSpec;
  views: FeatureViews;
  barrier: ViewBarrier;
  /** Resolves once the partition's history (as of the start) has been read. */
  caughtUp: Promise<void>;
  ready: boolean;
  follower: Promise<TopicFollower>;
  stopped: boolean;
}

export interface EntityOwners {
  /** Keeps `spec`'s views of every owned partition from now on (started for the ones owned now). */
  register(spec: OwnedSpec): void;
  unregister(hash: string): void;
  /** The loop's assignment changed: start the new partitions' views, drop the lost ones. */
  assigned(partitions: readonly number[]): void;
  /** Resolves once every registered spec's views of partition q have read their history. */
  ready(q: number): Promise<void>;
  /** Answers a lookup on an owned partition (waiting at most req.waitMs for its barrier). */
  lookup(req: LookupRequest): Promise<LookupAnswer>;
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
 * scoring group's committed offsets: a committed chunk's copies were acknowledged before it
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

  const startPart = (spec: OwnedSpec, q: number): Part => {
    const views = spec.createViews();
    const position = new Map<number, bigint>();
    const newest = new Map<number, number>();
    const appended = new Map<number, number>();
    for (let p = 0; p < deps.partitions; p++) position.set(p, 0n);
    const barrier = createViewBarrier({
      admin: deps.admin,
      topic: deps.transactions,
      progress: { position, newest, appended },
      metrics: deps.metrics,
      logger: deps.logger,
      now: deps.now,
    });
    let resolveReady!: () => void;
    const part: Part = {
      q,
      spec,
      views,
      barrier,
      caughtUp: new Promise<void>((r) => (resolveReady = r)),
      ready: false,
      stopped: false,
      follower: Promise.resolve(null as unknown as TopicFollower),
    };
    const t0 = performance.now();
    part.follower = (async () => {
      // Committed offsets first, the follower's end offsets after: everything a committed chunk
      // wrote is below those ends, so once they are read the committed positions hold.
      const committed = await committedOffsets(deps);
      const follower = await followTopic({
        kafka: deps.kafka,
        topic: deps.entityEvents,
        groupId: `${deps.groupPrefix}-entity-${spec.hash.slice(0, 12)}-${q}`,
        logger: deps.logger,
        partitions: [q],
        from: { timestamp: deps.now() - deps.lookbackMs },
        deleteGroupOnStop: true,
        onMessages: async (messages) => {
          await apply(deps, part, messages, { position, newest, appended });
          reportSize();
        },
        onDeath: () => (dead = true),
      });
      void follower.caughtUp.then(() => {
        for (const [p, c] of committed) if (c > (position.get(p) ?? 0n)) position.set(p, c);
        part.ready = true;
        resolveReady();
        barrier.progressed();
        deps.logger.info(
          { spec: spec.id, partition: q, ...views.size(), ms: Math.round(performance.now() - t0) },
          'entity partition views caught up',
        );
      });
      return follower;
    })();
    part.follower.catch((err: unknown) => {
      deps.logger.error(
        { err: errorMessage(err), partition: q, spec: spec.id },
        'entity partition reader failed to start',
      );
      dead = true;
    });
    return part;
  };

  const stopPart = (key: string, part: Part): void => {
    parts.delete(key);
    part.stopped = true;
    part.barrier.close();
    void part.follower
      .then((f) => f.stop())
      .catch((err: unknown) => deps.logger.warn({ err: errorMessage(err) }, 'entity partition reader stop failed'));
  };

  const sync = (): void => {
    for (const [key, part] of [...parts]) {
      if (!owned.includes(part.q) || !specs.has(part.spec.hash)) stopPart(key, part);
    }
    for (const spec of specs.values()) {
      for (const q of owned) {
        const key = keyOf(spec.hash, q);
        if (!parts.has(key)) parts.set(key, startPart(spec, q));
      }
    }
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
    async ready(q) {
      await Promise.all([...parts.values()].filter((p) => p.q === q).map((p) => p.caughtUp));
    },
    async lookup(req) {
      if (!owned.includes(req.partition)) return { kind: 'not_owner' };
      const part = parts.get(keyOf(req.spec, req.partition));
      if (part === undefined) return { kind: 'not_ready', why: `spec ${req.spec.slice(0, 12)} is not running here` };
      if (!part.ready) return { kind: 'not_ready', why: `entity partition ${req.partition} is reading its history` };
      const status = req.waitMs > 0 ? await part.barrier.waitFor(req.t, req.waitMs, req.appendedBy) : 'lagging';
      if (part.stopped) return { kind: 'not_owner' };
      const settled = status === 'ready' || (req.waitMs === 0 && part.barrier.lagMs() === 0) ? 'ready' : 'lagging';
      const stores = part.views.stores;
      const slices = req.keys.map((k) => {
        const store = stores[k.store];
        return store === undefined ? null : sliceOf(store, k.key, k.tMin, k.tMax);
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
      const all = [...parts.entries()];
      for (const [key, part] of all) stopPart(key, part);
      await Promise.all(all.map(([, p]) => p.follower.then((f) => f.stop()).catch(() => undefined)));
    },
  };
}

/** The scoring group's committed offset per `transactions` partition (0 where none). */
async function committedOffsets(deps: EntityOwnersDeps): Promise<Map<number, bigint>> {
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

interface Progress {
  position: Map<number, bigint>;
  newest: Map<number, number>;
  appended: Map<number, number>;
}

/**
 * One fetch of `entity-events[q]`: copies into the views (decoded all first, so a registry outage
 * throws before anything changed and the follower fetches them again), markers into the progress.
 */
async function apply(deps: EntityOwnersDeps, part: Part, messages: KafkaMessage[], progress: Progress): Promise<void> {
  const decoded = await Promise.all(
    messages.map((m) => {
      if (m.headers?.[MARKER_HEADER] !== undefined || m.value === null) return Promise.resolve(null);
      return deps.decode(m.value).catch((err: unknown) => {
        deps.logger.warn({ err: errorMessage(err), offset: m.offset }, 'entity-events: undecodable copy skipped');
        return null;
      });
    }),
  );
  let copies = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const tx = decoded[i];
    if (tx) {
      const field = firstHeader(m.headers, ENTITY_HEADER);
      if (field !== undefined) part.views.addEntityEvent(tx, field.toString());
      copies++;
      continue;
    }
    if (m.headers?.[MARKER_HEADER] === undefined) continue;
    const marker = decodeMarker(m.value);
    if (marker === null) {
      deps.logger.warn({ offset: m.offset }, 'entity-events: unreadable marker skipped');
      continue;
    }
    const next = BigInt(marker.next);
    if (next > (progress.position.get(marker.p) ?? 0n)) progress.position.set(marker.p, next);
    if (marker.newest !== null && marker.newest > (progress.newest.get(marker.p) ?? -Infinity))
      progress.newest.set(marker.p, marker.newest);
    if (marker.appended !== null && marker.appended > (progress.appended.get(marker.p) ?? -Infinity))
      progress.appended.set(marker.p, marker.appended);
  }
  if (copies > 0) deps.metrics.recordsDecoded.inc({ source: 'entity' }, copies);
  part.barrier.progressed();
}
