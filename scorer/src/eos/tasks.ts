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
import type { EosPort, OpenedTask } from './port.ts';

export interface TaskTableDeps {
  port: EosPort;
  chunk: RunChunkDeps;
  metrics: ScorerMetrics;
  logger: Logger;
}

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
  /** The machine's state now (plain data). */
  state(): LoopState;
  stop(): Promise<void>;
}

interface Resources {
  partition: number;
  opened: OpenedTask;
  busy: Promise<unknown>;
}

export function createTaskTable(deps: TaskTableDeps): TaskTable {
  const { metrics, logger } = deps;
  let state = initialLoopState;
  const resources = new Map<number, Resources>();

  const release = async (drop: DropEffect): Promise<void> => {
    metrics.consumerLag.remove({ partition: String(drop.partition) });
    logger.info({ partition: drop.partition, why: drop.why }, 'partition task dropped');
    const r = resources.get(drop.taskId);
    if (r === undefined) return;
    resources.delete(drop.taskId);
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
    resources.set(taskId, { partition, opened, busy: Promise.resolve() });
    metrics.restoredRecords.inc(opened.restoredRecords);
    const ms = Math.round(performance.now() - started);
    logger.info(
      { partition, committed: opened.committed.toString(), restored: opened.restoredRecords, ms },
      'partition task ready',
    );
    await dispatch({ kind: 'restored', taskId, committed: opened.committed });
    const task = readyTask(state, partition);
    return task?.id === taskId ? task : undefined;
  };

  return {
    assigned: (partitions) => void dispatch({ kind: 'assigned', partitions }),
    assignment: () => [...state.assignment],
    state: () => state,
    ensureTask: async (partition, heartbeat) => readyTask(state, partition) ?? openTask(partition, heartbeat),
    async runChunk(task, records, highWatermark) {
      const r = resources.get(task.id);
      if (r === undefined) return false;
      await dispatch({ kind: 'chunkStarted', taskId: task.id });
      const work = runChunk({ partition: task.partition, opened: r.opened }, records, highWatermark, deps.chunk);
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
