import { describe, expect, it } from 'vitest';
import {
  initialLoopState,
  mayStartChunk,
  planFetchBatch,
  readyTask,
  step,
  type LoopEvent,
  type LoopState,
  type DropEffect,
} from '../../src/eos/machine.ts';

/** Applies events in order; returns the final state and every effect, in order. */
function run(events: LoopEvent[], from: LoopState = initialLoopState): { state: LoopState; effects: DropEffect[] } {
  let state = from;
  const effects: DropEffect[] = [];
  for (const e of events) {
    const t = step(state, e);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const offsets = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));

/** A member that owns partitions 0 and 1 and has restored task 1 for partition 0 at `committed`. */
function restored(committed = 10n): LoopState {
  return run([
    { kind: 'assigned', partitions: [1, 0] },
    { kind: 'restoreStarted', partition: 0 },
    { kind: 'restored', taskId: 1, committed },
  ]).state;
}

/** A member that owns partitions 0 and 1: task 1 restored at 0 for partition 0, task 2 at `committed` for 1. */
function bothRestored(committed: bigint): LoopEvent[] {
  return [
    { kind: 'assigned', partitions: [0, 1] },
    { kind: 'restoreStarted', partition: 0 },
    { kind: 'restored', taskId: 1, committed: 0n },
    { kind: 'restoreStarted', partition: 1 },
    { kind: 'restored', taskId: 2, committed },
  ];
}

describe('planFetchBatch', () => {
  it('skips the records below the position and resolves through the last skipped one', () => {
    const plan = planFetchBatch(13n, offsets(10, 6), 100);
    expect(plan.skipped).toBe(3);
    expect(plan.resolveSkippedThrough).toBe('12');
    expect(plan.chunks).toEqual([{ start: 3, end: 6 }]);
  });

  it('cuts the rest into chunks of at most maxChunk records, in order, each record once', () => {
    const plan = planFetchBatch(0n, offsets(0, 12), 5);
    expect(plan.skipped).toBe(0);
    expect(plan.resolveSkippedThrough).toBeNull();
    expect(plan.chunks).toEqual([
      { start: 0, end: 5 },
      { start: 5, end: 10 },
      { start: 10, end: 12 },
    ]);
  });

  it('a fetch batch entirely below the position (kafkajs handed back a stale position) scores nothing', () => {
    const plan = planFetchBatch(1_000n, offsets(0, 4), 2);
    expect(plan).toEqual({ skipped: 4, resolveSkippedThrough: '3', chunks: [] });
  });

  it('compares offsets as integers, not strings', () => {
    expect(planFetchBatch(10n, ['9', '10', '11'], 10).skipped).toBe(1);
  });
});

describe('the loop state machine', () => {
  it('a restored task is ready at the committed offset; a committed chunk advances its position', () => {
    let state = restored(10n);
    expect(readyTask(state, 0)).toMatchObject({ id: 1, position: 10n });
    state = run(
      [
        { kind: 'chunkStarted', taskId: 1 },
        { kind: 'chunkCommitted', taskId: 1, next: 15n },
      ],
      state,
    ).state;
    expect(readyTask(state, 0)?.position).toBe(15n);
  });

  it('a task is busy while its chunk runs: no second chunk starts', () => {
    const { state } = run([{ kind: 'chunkStarted', taskId: 1 }], restored());
    expect(mayStartChunk(state, 1)).toBe(false);
    expect(readyTask(state, 0)).toBeUndefined();
  });

  it('a failed chunk drops the task and leaves the position where the last commit put it', () => {
    const { state, effects } = run(
      [
        { kind: 'chunkStarted', taskId: 1 },
        { kind: 'chunkFailed', taskId: 1, error: 'fenced' },
      ],
      restored(10n),
    );
    expect(effects).toEqual([{ kind: 'drop', taskId: 1, partition: 0, why: 'transaction failed: fenced' }]);
    expect(state.tasks.size).toBe(0);
    expect(readyTask(state, 0)).toBeUndefined();
    // A late commit report of the failed task does not bring it back.
    expect(step(state, { kind: 'chunkCommitted', taskId: 1, next: 99n }).state).toBe(state);
  });

  it('revoked during the restore: the task is dropped when the restore finishes, never ready', () => {
    const { state, effects } = run([
      { kind: 'assigned', partitions: [0] },
      { kind: 'restoreStarted', partition: 0 },
      { kind: 'assigned', partitions: [1] },
    ]);
    expect(effects).toEqual([]);
    const done = step(state, { kind: 'restored', taskId: 1, committed: 5n });
    expect(done.effects).toEqual([{ kind: 'drop', taskId: 1, partition: 0, why: 'revoked during restore' }]);
    expect(readyTask(done.state, 0)).toBeUndefined();
    expect(done.state.tasks.size).toBe(0);
  });

  it('revoked while a chunk runs: dropped only once the chunk has settled, and no next chunk starts', () => {
    const running = run([{ kind: 'chunkStarted', taskId: 1 }], restored()).state;
    const revoked = step(running, { kind: 'assigned', partitions: [1] });
    expect(revoked.effects).toEqual([]);
    expect(revoked.state.tasks.get(1)).toMatchObject({ phase: 'scoring', revoked: true });
    const settled = step(revoked.state, { kind: 'chunkCommitted', taskId: 1, next: 20n });
    expect(settled.effects).toEqual([{ kind: 'drop', taskId: 1, partition: 0, why: 'revoked' }]);
    expect(mayStartChunk(settled.state, 1)).toBe(false);
  });

  it('revoking an idle task drops it at once; partitions still owned keep theirs', () => {
    const state = run(bothRestored(7n)).state;
    const { state: after, effects } = step(state, { kind: 'assigned', partitions: [1] });
    expect(effects).toEqual([{ kind: 'drop', taskId: 1, partition: 0, why: 'revoked' }]);
    expect(readyTask(after, 1)).toMatchObject({ id: 2, position: 7n });
    expect(after.assignment).toEqual([1]);
  });

  it('re-assigned after a revocation: a new task (new fencing, committed offset, restore) takes the partition', () => {
    const running = run([{ kind: 'chunkStarted', taskId: 1 }], restored(10n)).state;
    const { state, effects } = run(
      [
        { kind: 'assigned', partitions: [1] },
        { kind: 'assigned', partitions: [0, 1] },
        { kind: 'restoreStarted', partition: 0 },
        { kind: 'chunkCommitted', taskId: 1, next: 12n }, // the old task's chunk settles late
        { kind: 'restored', taskId: 2, committed: 12n },
      ],
      running,
    );
    expect(effects).toEqual([{ kind: 'drop', taskId: 1, partition: 0, why: 'revoked' }]);
    expect(readyTask(state, 0)).toMatchObject({ id: 2, position: 12n });
    expect([...state.tasks.keys()]).toEqual([2]);
  });

  it('a failed restore forgets the task so the next fetch batch starts a new one', () => {
    const { state, effects } = run([
      { kind: 'assigned', partitions: [0] },
      { kind: 'restoreStarted', partition: 0 },
      { kind: 'restoreFailed', taskId: 1, error: 'TIMEOUT' },
    ]);
    expect(effects).toEqual([{ kind: 'drop', taskId: 1, partition: 0, why: 'restore failed: TIMEOUT' }]);
    expect(state.current.size).toBe(0);
    expect(step(state, { kind: 'restoreStarted', partition: 0 }).state.current.get(0)).toBe(2);
  });

  it('the position never goes back, even if a commit reports a lower next offset', () => {
    const { state } = run(
      [
        { kind: 'chunkStarted', taskId: 1 },
        { kind: 'chunkCommitted', taskId: 1, next: 5n },
      ],
      restored(10n),
    );
    expect(readyTask(state, 0)?.position).toBe(10n);
  });

  it('stopping drops idle tasks now and the busy ones when their chunk settles', () => {
    const state = run([...bothRestored(0n), { kind: 'chunkStarted', taskId: 2 }]).state;
    const stopping = step(state, { kind: 'stopping' });
    expect(stopping.effects.map((e) => e.taskId)).toEqual([1]);
    expect(stopping.state.assignment).toEqual([]);
    const settled = step(stopping.state, { kind: 'chunkFailed', taskId: 2, error: 'disconnected' });
    expect(settled.effects.map((e) => e.taskId)).toEqual([2]);
    expect(settled.state.tasks.size).toBe(0);
  });
});
