import { errorMessage, type Logger } from '@fraud/common';
import type { ScorerMetrics } from '../metrics.ts';
import type { RawRecord } from '@fraud/kafka';
import { runChunk, type RunChunkDeps } from './chunk.ts';
import {
  initialLoopState,
  readyTask,
  step,
  type DropEffect,
  type LoopEvent,
  type LoopState,
  type TaskRecord,
} from './machine.ts';
import { newSyncTaskState, type SyncTaskState } from '../sync/memory.ts';
import type { EosPort, OpenedTask } from './port.ts';

export interface TaskTableDeps {
  port: EosPort;
  chunk: RunChunkDeps;
  metrics: ScorerMetrics;
  logger: Logger;
  /** Decisions remembered per partition task for the synchronous path's retries (0: none). */
  decisionMemory?: number;
}

/** Whether the synchronous path may decide a payment of a partition here, and with what. */
export type SyncSlot =
  | { kind: 'ready'; taskId: number; opened: OpenedTask; sync: SyncTaskState }
  /** This member does not own the partition. */
  | { kind: 'not-owner' }
  /** It owns it, but its task is opening (fence, restore) or still reading what was there before it opened. */
  | { kind: 'not-ready'; why: string };

/**
 * The effects half of the loop's state machine: keeps the machine's state, feeds it events, and
 * owns what the machine only names: each task's opened port resources and the promise of the
 * chunk it is running. Drops release those once that chunk has settled.
 */
export interface TaskTable {
  assigned(partitions: readonly number[]): void;
  assignment(): number[];
  /** The partition's ready task, opened (fenced, restored) first if needed; undefined if revoked meanwhile. */
  ensureTask(partition: number, heartbeat: () => Promise<void>): Promise<TaskRecord | undefined>;
  /** Scores and commits one chunk; false when it failed (the task is dropped, nothing to resolve). */
  runChunk(task: TaskRecord, records: readonly RawRecord[], highWatermark: string): Promise<boolean>;
  /**
   * The synchronous path's access to a partition: its task once restored and caught up with what
   * the partition held when it opened. An owned partition without a task (no record fetched since
   * the assignment) gets one opened in the background.
   */
  syncSlot(partition: number): SyncSlot;
  /** Drops the partition's current task (its state no longer matches Kafka); the next fetch reopens it. */
  invalidate(partition: number, why: string): Promise<void>;
  /** The machine's state now (plain data). */
  state(): LoopState;
  stop(): Promise<void>;
}

interface Resources {
  partition: number;
  opened: OpenedTask;
  sync: SyncTaskState;
  busy: Promise<unknown>;
}

export function createTaskTable(deps: TaskTableDeps): TaskTable {
  const { metrics, logger } = deps;
  let state = initialLoopState;
  const resources = new Map<number, Resources>();
  /** Opens in progress by partition: the loop's fetch and the synchronous path share one. */
  const opening = new Map<number, Promise<TaskRecord | undefined>>();

  const release = async (drop: DropEffect): Promise<void> => {
    metrics.consumerLag.remove({ partition: String(drop.partition) });
    logger.info({ partition: drop.partition, why: drop.why }, 'partition task dropped');
    const r = resources.get(drop.taskId);
    if (r === undefined) return;
    resources.delete(drop.taskId);
    metrics.states.untrack(r.partition, r.opened.state);
    await r.busy.catch(() => undefined);
    await r.opened
      .close()
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'producer disconnect failed'));
  };
  const dispatch = (event: LoopEvent): Promise<void> => {
    const t = step(state, event);
    state = t.state;
    return Promise.all(t.effects.map(release)).then(() => undefined);
  };

  const openTask = async (partition: number, heartbeat: () => Promise<void>): Promise<TaskRecord | undefined> => {
    await dispatch({ kind: 'restoreStarted', partition });
    const taskId = state.current.get(partition)!;
    const started = performance.now();
    let opened: OpenedTask;
    try {
      opened = await deps.port.openTask(partition, heartbeat);
    } catch (err: unknown) {
      await dispatch({ kind: 'restoreFailed', taskId, error: errorMessage(err) });
      throw err;
    }
    const sync = newSyncTaskState(deps.decisionMemory ?? 0, opened.endOffset ?? opened.committed, opened.ahead);
    resources.set(taskId, { partition, opened, sync, busy: Promise.resolve() });
    metrics.restoredRecords.inc(opened.restoredRecords);
    // Each restored payment is one record of scored[p] decoded.
    metrics.recordsDecoded.inc({ source: 'restore' }, opened.restoredRecords);
    metrics.states.track(partition, opened.state);
    const ms = Math.round(performance.now() - started);
    logger.info(
      { partition, committed: opened.committed.toString(), restored: opened.restoredRecords, ms },
      'partition task ready',
    );
    await dispatch({ kind: 'restored', taskId, committed: opened.committed });
    const task = readyTask(state, partition);
    return task?.id === taskId ? task : undefined;
  };

  const ensureTask = (partition: number, heartbeat: () => Promise<void>): Promise<TaskRecord | undefined> => {
    const ready = readyTask(state, partition);
    if (ready !== undefined) return Promise.resolve(ready);
    const inFlight = opening.get(partition);
    if (inFlight !== undefined) return inFlight;
    const opened = openTask(partition, heartbeat).finally(() => opening.delete(partition));
    opening.set(partition, opened);
    return opened;
  };

  return {
    assigned: (partitions) => void dispatch({ kind: 'assigned', partitions }),
    assignment: () => [...state.assignment],
    state: () => state,
    ensureTask,
    syncSlot(partition) {
      if (!state.assignment.includes(partition)) return { kind: 'not-owner' };
      const id = state.current.get(partition);
      const task = id === undefined ? undefined : state.tasks.get(id);
      if (task === undefined) {
        // Opened without the fetch's heartbeat: the consumer's own loop keeps heartbeating meanwhile.
        void ensureTask(partition, () => Promise.resolve()).catch((err: unknown) =>
          logger.warn({ partition, err: errorMessage(err) }, 'opening a partition task for a decision failed'),
        );
        return { kind: 'not-ready', why: 'opening the partition task (fencing, restoring its state)' };
      }
      const r = resources.get(task.id);
      if (task.revoked || task.phase === 'restoring' || r === undefined || task.position === null)
        return { kind: 'not-ready', why: 'the partition task is restoring' };
      if (task.position < r.sync.caughtUpAt) {
        return {
          kind: 'not-ready',
          why: `reading the partition up to offset ${r.sync.caughtUpAt} (at ${task.position})`,
        };
      }
      return { kind: 'ready', taskId: task.id, opened: r.opened, sync: r.sync };
    },
    invalidate: (partition, why) => {
      const id = state.current.get(partition);
      return id === undefined ? Promise.resolve() : dispatch({ kind: 'invalidated', taskId: id, why });
    },
    async runChunk(task, records, highWatermark) {
      const r = resources.get(task.id);
      if (r === undefined) return false;
      await dispatch({ kind: 'chunkStarted', taskId: task.id });
      const chunkTask = { partition: task.partition, opened: r.opened, sync: r.sync };
      const work = runChunk(chunkTask, records, highWatermark, deps.chunk);
      r.busy = work;
      try {
        await work;
      } catch (err: unknown) {
        await dispatch({ kind: 'chunkFailed', taskId: task.id, error: errorMessage(err) });
        return false;
      }
      await dispatch({
        kind: 'chunkCommitted',
        taskId: task.id,
        next: BigInt(records[records.length - 1]!.offset) + 1n,
      });
      return true;
    },
    async stop() {
      await dispatch({ kind: 'stopping' });
      // Whatever the machine still keeps (a chunk or restore that outlived the consumer) goes too.
      const left = [...resources].map(([taskId, r]) => ({ kind: 'drop' as const, taskId, partition: r.partition }));
      await Promise.all(left.map((drop) => release({ ...drop, why: 'stopping' })));
    },
  };
}
