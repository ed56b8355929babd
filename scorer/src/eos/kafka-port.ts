import { randomUUID } from 'node:crypto';
import {
  openPartitionTransactor,
  toDlqMessage,
  type Admin,
  type Kafka,
  type OutMessage,
  type PartitionTransactor,
} from '@fraud/kafka';
import { errorMessage, type Logger } from '@fraud/common';
import type { Topics } from '@fraud/schemas';
import type { FeatureModule, ScorerCodecs, SpecStates } from '../ports.ts';
import { RecentIds } from '../recent-ids.ts';
import type { PartitionMetrics } from '../metrics.ts';
import type { ChunkResult } from '../score-chunk.ts';
import { restorePartitionState } from '../state-restore.ts';
import { readLatestSnapshot, serialiseSnapshot, snapshotMessages, type PartitionSnapshot } from '../state-snapshot.ts';
import { whileHeartbeating } from './heartbeat.ts';
import type { EosPort, OpenedTask } from './port.ts';

/** Written as dlq.service on the scorer's dead letters. */
export const DLQ_SERVICE = 'scorer';

export interface KafkaPortConfig {
  groupId: string;
  /** Prefix of the per-partition transactional ids; stable across restarts. */
  appId: string;
  restoreTimeoutMs: number;
  /** How often the group is heartbeated while a restore runs. */
  heartbeatIntervalMs: number;
  /** txIds remembered per partition to dead-letter repeats (0: no check). */
  dedupeWindow: number;
  /** State snapshots (state-snapshot.ts): how often a task writes one (0: never, and restores read all of scored). */
  snapshotIntervalMs?: number;
  /** Payments scored since the last snapshot before the next is due. */
  snapshotMinRecords?: number;
}

export interface KafkaPortDeps {
  kafka: Kafka;
  admin: Admin;
  topics: Topics;
  codecs: ScorerCodecs;
  /** The specs in force: a task opens with a state for each. */
  specs: () => readonly FeatureModule[];
  logger: Logger;
  config: KafkaPortConfig;
  /** Awaited after each fetch of scored[p] during a restore (instrumentation; tests throttle with it). */
  onRestoreFetch?: (partition: number, records: number) => Promise<void>;
  /** Snapshot counters and timings (absent: not recorded). */
  metrics?: Pick<PartitionMetrics, 'snapshots' | 'snapshotBytes' | 'snapshotSeconds'>;
  /** Awaited (heartbeating) before a task restores: its entity partition reading its history. */
  beforeRestore?: (partition: number) => Promise<void>;
}

/** `<app>-scorer-<topic>-<partition>`: the EOS-v1 zombie-fencing id for one input partition. */
export function transactionalIdFor(appId: string, topic: string, partition: number): string {
  return `${appId}-scorer-${topic}-${partition}`;
}

/** The loop's port on the real broker: one transactional producer per input partition (EOS v1). */
export function createKafkaEosPort(deps: KafkaPortDeps): EosPort {
  return {
    async openTask(partition, heartbeat) {
      const { kafka, topics, config, logger } = deps;
      const transactionalId = transactionalIdFor(config.appId, topics.transactions, partition);
      const transactor = await openPartitionTransactor({ kafka, transactionalId, logger });
      try {
        const committed = await committedOffset(deps.admin, config.groupId, topics.transactions, partition);
        const endOffset = await endOffsetOf(deps.admin, topics.transactions, partition);
        const restored = await whileHeartbeating(heartbeat, config.heartbeatIntervalMs, async () => {
          await deps.beforeRestore?.(partition);
          return restoreOnOpen(deps, partition, deps.specs(), committed);
        });
        const { state } = restored;
        // A new spec's state is built inside a chunk, from all of scored[p]: heartbeat meanwhile, as
        // on open (kafkajs's heartbeat is the group's, not the fetch batch's, so it stays valid).
        const addSpec = async (spec: FeatureModule): Promise<number> => {
          const added = await whileHeartbeating(heartbeat, config.heartbeatIntervalMs, () =>
            restore(deps, partition, [spec], false),
          );
          state.set(spec.hash, added.state.get(spec.hash));
          return added.restoredRecords;
        };
        const tx = transactionsOf(deps, transactor, partition, restored);
        return { committed, endOffset, ...restored, addSpec, ...tx };
      } catch (err: unknown) {
        await transactor.close().catch(() => undefined);
        throw err;
      }
    },
  };
}

type Restored = Pick<OpenedTask, 'state' | 'recent' | 'restoredRecords' | 'ahead'>;

const snapshotsOn = (deps: KafkaPortDeps): boolean => (deps.config.snapshotIntervalMs ?? 0) > 0;

/**
 * The state a task opens with: from the partition's newest snapshot and the tail of scored[p]
 * after it when there is one (specs it lacks are rebuilt from all of scored[p]), else from all of
 * scored[p]. A snapshot that cannot be read or decoded is logged and ignored: the full replay
 * gives the same state, only slower.
 */
async function restoreOnOpen(
  deps: KafkaPortDeps,
  partition: number,
  specs: readonly FeatureModule[],
  committed: bigint,
): Promise<Restored> {
  if (!snapshotsOn(deps) || specs.length === 0) return restore(deps, partition, specs, true);
  const { config, logger } = deps;
  const t0 = performance.now();
  let snapshot: PartitionSnapshot | null = null;
  try {
    snapshot = await readLatestSnapshot({
      kafka: deps.kafka,
      admin: deps.admin,
      topic: deps.topics.stateSnapshots,
      partition,
      groupId: `${config.groupId}-snapshot-${partition}-${randomUUID().slice(0, 8)}`,
      logger,
      timeoutMs: config.restoreTimeoutMs,
    });
  } catch (err: unknown) {
    logger.warn({ partition, err: errorMessage(err) }, 'state snapshot unreadable; restoring from all of scored');
  }
  if (snapshot !== null && snapshot.next > committed) {
    // Written with its chunk's offsets, a snapshot is never past the committed offset unless the
    // group's offsets were moved back by hand: its state would then count payments scored again.
    logger.warn(
      { partition, snapshotNext: snapshot.next.toString(), committed: committed.toString() },
      'state snapshot is past the committed offset (offsets reset?); restoring from all of scored',
    );
    snapshot = null;
  }
  const covered = snapshot === null ? [] : specs.filter((f) => usableIn(snapshot as PartitionSnapshot, f));
  // A spec rebuilt from all of scored would miss the decisions the snapshot holds ahead of its
  // offset, and the stream will not count them when it reads them back: all from scored then.
  const partial = covered.length < specs.length && (snapshot?.ahead.length ?? 0) > 0;
  if (snapshot === null || covered.length === 0 || partial) return restore(deps, partition, specs, true);
  const state: SpecStates = new Map();
  try {
    if (snapshot.partition !== partition) throw new Error(`it is partition ${snapshot.partition}'s`);
    for (const f of covered) state.set(f.hash, f.restoreState!(snapshot.states[f.hash]));
  } catch (err: unknown) {
    logger.warn({ partition, err: errorMessage(err) }, 'state snapshot does not fit; restoring from all of scored');
    return restore(deps, partition, specs, true);
  }
  deps.metrics?.snapshotSeconds.observe({ step: 'read' }, (performance.now() - t0) / 1000);
  const recent = config.dedupeWindow > 0 ? new RecentIds(config.dedupeWindow) : undefined;
  if (recent) for (const id of snapshot.recent) recent.add(id);
  const tail = await restorePartitionState({
    ...restoreInput(deps, partition, covered, recent),
    from: { state, scoredFrom: snapshot.scoredFrom, next: snapshot.next, ahead: new Set(snapshot.ahead) },
  });
  // Read back (and committed) after the snapshot: in the state once, nothing left pending.
  const ahead = snapshot.ahead.filter((id) => !tail.aheadSeen.has(id));
  deps.metrics?.snapshots.inc({ outcome: 'restored' });
  let restoredRecords = tail.records;
  const missing = specs.filter((f) => !covered.includes(f));
  if (missing.length > 0) {
    const full = await restore(deps, partition, missing, false);
    for (const [hash, st] of full.state) state.set(hash, st);
    restoredRecords += full.restoredRecords;
  }
  logger.info(
    { partition, snapshotNext: snapshot.next.toString(), ageMs: Date.now() - snapshot.takenAt, tail: tail.records },
    'partition state restored from a snapshot and the tail of scored',
  );
  return { state, recent, restoredRecords, ahead };
}

function usableIn(snapshot: PartitionSnapshot, f: FeatureModule): boolean {
  return f.restoreState !== undefined && snapshot.states[f.hash] !== undefined;
}

function restoreInput(deps: KafkaPortDeps, partition: number, specs: readonly FeatureModule[], recent?: RecentIds) {
  const { config } = deps;
  return {
    recent,
    kafka: deps.kafka,
    scoredTopic: deps.topics.scored,
    partition,
    groupId: `${config.groupId}-restore-${partition}-${randomUUID().slice(0, 8)}`,
    decode: (b: Buffer) => deps.codecs.scored.decode(b),
    specs,
    logger: deps.logger,
    timeoutMs: config.restoreTimeoutMs,
    onFetch: deps.onRestoreFetch,
  };
}

/** The partition's state of each spec from all of scored[p]; with `withRecent`, its txIds for DUPLICATE_TX_ID too. */
async function restore(
  deps: KafkaPortDeps,
  partition: number,
  specs: readonly FeatureModule[],
  withRecent: boolean,
): Promise<Restored> {
  const { config } = deps;
  const recent = withRecent && config.dedupeWindow > 0 ? new RecentIds(config.dedupeWindow) : undefined;
  const { state, records } = await restorePartitionState(restoreInput(deps, partition, specs, recent));
  return { state, recent, restoredRecords: records };
}

function transactionsOf(
  deps: KafkaPortDeps,
  transactor: PartitionTransactor,
  partition: number,
  restored: Restored,
): Pick<OpenedTask, 'commit' | 'close'> {
  const { topics, config } = deps;
  const snapshots = snapshotsOn(deps) ? snapshotScheduler(deps, partition, restored) : null;
  return {
    async commit(output, next, ahead) {
      const messages = outputMessages(deps, output, partition);
      const snapshot = await snapshots?.take(output.scored.length, next, ahead);
      if (snapshot) messages.push(...snapshot.messages);
      await transactor.commit({
        messages,
        offsets: { groupId: config.groupId, topic: topics.transactions, partition, next },
      });
      if (snapshot) snapshots?.written(snapshot.bytes);
    },
    close: () => transactor.close(),
  };
}

/**
 * When a task's next snapshot is due (SCORER_SNAPSHOT_INTERVAL_MS passed and
 * SCORER_SNAPSHOT_MIN_RECORDS scored since the last), and its records.
 */
function snapshotScheduler(deps: KafkaPortDeps, partition: number, restored: Restored) {
  const { config, topics, logger, metrics } = deps;
  const interval = config.snapshotIntervalMs ?? 0;
  const minRecords = config.snapshotMinRecords ?? 1;
  let last = performance.now();
  let since = 0;
  return {
    async take(
      scored: number,
      next: bigint,
      aheadOf?: () => readonly string[] | null,
    ): Promise<{ messages: OutMessage[]; bytes: number } | null> {
      since += scored;
      if (since < minRecords || performance.now() - last < interval) return null;
      // null (counted) while a synchronous decision is being written: try at the next chunk.
      const aheadNow = (): readonly string[] | null => {
        const ahead = aheadOf === undefined ? [] : aheadOf();
        if (ahead === null) metrics?.snapshots.inc({ outcome: 'skipped_sync_in_flight' });
        return ahead;
      };
      // Checked first too, so a skipped snapshot costs no offset probe.
      if (aheadNow() === null) return null;
      const modules = new Map(deps.specs().map((f) => [f.hash, f]));
      // Read before the state is serialised and before this chunk writes: at or before its first decision.
      const scoredFrom = await endOffsetOf(deps.admin, topics.scored, partition);
      // Synchronous from here: nothing changes the state between this check and the serialisation.
      const ahead = aheadNow();
      if (ahead === null) return null;
      const t0 = performance.now();
      const states: Record<string, unknown> = {};
      for (const [hash, st] of restored.state) {
        const f = modules.get(hash);
        if (f?.snapshotState === undefined) return null;
        states[hash] = f.snapshotState(st);
      }
      const json = serialiseSnapshot({
        partition,
        next,
        scoredFrom,
        takenAt: Date.now(),
        states,
        recent: restored.recent?.list() ?? [],
        ahead: [...ahead],
      });
      const packed = await snapshotMessages(topics.stateSnapshots, partition, json);
      metrics?.snapshotSeconds.observe({ step: 'encode' }, (performance.now() - t0) / 1000);
      if ('tooLarge' in packed) {
        metrics?.snapshots.inc({ outcome: 'too_large' });
        logger.warn({ partition, bytes: packed.tooLarge }, 'state snapshot too large to write; add partitions');
        last = performance.now();
        return null;
      }
      return packed;
    },
    written(bytes: number) {
      last = performance.now();
      since = 0;
      metrics?.snapshots.inc({ outcome: 'written' });
      metrics?.snapshotBytes.observe(bytes);
    },
  };
}

/** Decisions to partition p of `scored` (co-partitioned with the input), then the dead letters. */
function outputMessages(deps: KafkaPortDeps, output: ChunkResult, partition: number): OutMessage[] {
  const { topics, codecs } = deps;
  const out: OutMessage[] = output.scored.map((s) => ({
    topic: topics.scored,
    key: s.key,
    value: codecs.scored.encode(s.record),
    partition,
  }));
  for (const d of output.dead) out.push({ topic: topics.dlq, ...toDlqMessage(d, DLQ_SERVICE) });
  return out;
}

async function committedOffset(admin: Admin, groupId: string, topic: string, partition: number): Promise<bigint> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const o = res?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  return BigInt(o) < 0n ? 0n : BigInt(o);
}

async function endOffsetOf(admin: Admin, topic: string, partition: number): Promise<bigint> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return BigInt(offsets.find((p) => p.partition === partition)?.high ?? '0');
}
