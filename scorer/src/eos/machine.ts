/**
 * The exactly-once loop's bookkeeping as plain data: which partitions this member owns, which
 * partition tasks exist and where each one is (its position), and what to do with a fetch batch.
 * No kafkajs, no I/O, no clock: the effects shell (loop.ts) feeds it events and carries out the
 * effects it returns. Words as in docs/scorer.md's glossary.
 *
 * Invariants:
 * - A partition has at most one current task; a task that left `current` never comes back.
 * - A task's position only grows, and only through a committed chunk (or the committed offset
 *   read after fencing): records below it are in a committed Kafka transaction and are skipped.
 * - A task is dropped (its producer and state released) only when no chunk of it is in flight:
 *   a revocation during a chunk waits for the chunk to settle, one during the restore for the
 *   restore to finish. A failed chunk is never resolved: kafkajs fetches it again and a new task
 *   (fencing, committed offset, restore) scores it.
 */

export type TaskPhase = 'restoring' | 'ready' | 'scoring';

export interface TaskRecord {
  readonly id: number;
  readonly partition: number;
  readonly phase: TaskPhase;
  /** The next input offset to score; null until the restore has read the committed offset. */
  readonly position: bigint | null;
  /** The partition was revoked (or the loop is stopping): drop as soon as nothing is in flight. */
  readonly revoked: boolean;
}

export interface LoopState {
  /** Partitions of the input topic this member owns, ascending. */
  readonly assignment: readonly number[];
  /** Every task not yet dropped, by id (a revoked one may still be finishing a chunk). */
  readonly tasks: ReadonlyMap<number, TaskRecord>;
  /** The task that scores each partition now. */
  readonly current: ReadonlyMap<number, number>;
  readonly nextId: number;
}

export type LoopEvent =
  | { kind: 'assigned'; partitions: readonly number[] }
  | { kind: 'restoreStarted'; partition: number }
  | { kind: 'restored'; taskId: number; committed: bigint }
  | { kind: 'restoreFailed'; taskId: number; error: string }
  | { kind: 'chunkStarted'; taskId: number }
  | { kind: 'chunkCommitted'; taskId: number; next: bigint }
  | { kind: 'chunkFailed'; taskId: number; error: string }
  /** The task's state no longer matches Kafka (a synchronous write failed after the state took it in). */
  | { kind: 'invalidated'; taskId: number; why: string }
  | { kind: 'stopping' };

/** Release the task's producer and state (the shell does it; the task is already forgotten here). */
export interface DropEffect {
  kind: 'drop';
  taskId: number;
  partition: number;
  why: string;
}

export interface Transition {
  state: LoopState;
  effects: DropEffect[];
}

export const initialLoopState: LoopState = { assignment: [], tasks: new Map(), current: new Map(), nextId: 1 };

export function step(state: LoopState, event: LoopEvent): Transition {
  switch (event.kind) {
    case 'assigned':
      return assign(state, event.partitions);
    case 'restoreStarted':
      return startRestore(state, event.partition);
    case 'restored':
      return finishRestore(state, event.taskId, event.committed);
    case 'restoreFailed':
      return remove(state, event.taskId, `restore failed: ${event.error}`);
    case 'chunkStarted':
      return startChunk(state, event.taskId);
    case 'chunkCommitted':
      return commitChunk(state, event.taskId, event.next);
    case 'chunkFailed':
      return remove(state, event.taskId, `transaction failed: ${event.error}`);
    case 'invalidated':
      return revokeWhere(state, (t) => t.id === event.taskId, `invalidated: ${event.why}`);
    case 'stopping':
      return revokeWhere({ ...state, assignment: [] }, () => true, 'stopping');
  }
}

/** The current task of a partition, if it exists and may score (restored, not revoked). */
export function readyTask(state: LoopState, partition: number): TaskRecord | undefined {
  const id = state.current.get(partition);
  const task = id === undefined ? undefined : state.tasks.get(id);
  return task && task.phase === 'ready' && !task.revoked ? task : undefined;
}

/** Whether a task may start its next chunk: still current, restored, not revoked, idle. */
export function mayStartChunk(state: LoopState, taskId: number): boolean {
  const task = state.tasks.get(taskId);
  return task !== undefined && readyTask(state, task.partition)?.id === taskId;
}

export interface FetchPlan {
  /** Records at the front of the fetch batch below the position (already committed), skipped. */
  skipped: number;
  /** The last skipped offset, to resolve in kafkajs; null when nothing was skipped. */
  resolveSkippedThrough: string | null;
  /** The remaining records as [start, end) index ranges of at most `maxChunk` records each. */
  chunks: Array<{ start: number; end: number }>;
}

/**
 * Which records of a fetch batch to score and how to cut them into chunks. Offsets ascend within
 * a fetch batch, so the records below the position are a prefix.
 */
export function planFetchBatch(position: bigint, offsets: readonly string[], maxChunk: number): FetchPlan {
  let skipped = 0;
  while (skipped < offsets.length && BigInt(offsets[skipped]!) < position) skipped++;
  const chunks: FetchPlan['chunks'] = [];
  for (let start = skipped; start < offsets.length; start += maxChunk)
    chunks.push({ start, end: Math.min(start + maxChunk, offsets.length) });
  return { skipped, resolveSkippedThrough: skipped > 0 ? offsets[skipped - 1]! : null, chunks };
}

function assign(state: LoopState, partitions: readonly number[]): Transition {
  const assignment = [...new Set(partitions)].sort((a, b) => a - b);
  return revokeWhere({ ...state, assignment }, (t) => !assignment.includes(t.partition), 'revoked');
}

function startRestore(state: LoopState, partition: number): Transition {
  const id = state.nextId;
  const task: TaskRecord = { id, partition, phase: 'restoring', position: null, revoked: false };
  const previous = state.current.get(partition);
  const next: LoopState = {
    ...state,
    nextId: id + 1,
    tasks: withEntry(state.tasks, id, task),
    current: withEntry(state.current, partition, id),
  };
  // A previous current task is replaced: retire it like a revocation.
  if (previous === undefined || !state.tasks.has(previous)) return { state: next, effects: [] };
  return revokeWhere(next, (t) => t.id === previous, 'replaced');
}

function finishRestore(state: LoopState, taskId: number, committed: bigint): Transition {
  const task = state.tasks.get(taskId);
  if (task === undefined || task.phase !== 'restoring') return { state, effects: [] };
  if (task.revoked || !state.assignment.includes(task.partition))
    return remove(state, taskId, 'revoked during restore');
  return { state: put(state, { ...task, phase: 'ready', position: committed }), effects: [] };
}

function startChunk(state: LoopState, taskId: number): Transition {
  const task = state.tasks.get(taskId);
  if (task === undefined || !mayStartChunk(state, taskId)) return { state, effects: [] };
  return { state: put(state, { ...task, phase: 'scoring' }), effects: [] };
}

function commitChunk(state: LoopState, taskId: number, next: bigint): Transition {
  const task = state.tasks.get(taskId);
  if (task === undefined || task.phase !== 'scoring') return { state, effects: [] };
  if (task.revoked) return remove(state, taskId, 'revoked');
  const position = task.position === null || next > task.position ? next : task.position;
  return { state: put(state, { ...task, phase: 'ready', position }), effects: [] };
}

/** Marks the matching tasks revoked; those with nothing in flight are dropped at once. */
function revokeWhere(state: LoopState, match: (t: TaskRecord) => boolean, why: string): Transition {
  let next = state;
  const effects: DropEffect[] = [];
  for (const task of state.tasks.values()) {
    if (task.revoked || !match(task)) continue;
    if (task.phase === 'ready') {
      const r = remove(next, task.id, why);
      next = r.state;
      effects.push(...r.effects);
    } else {
      next = put(next, { ...task, revoked: true });
    }
  }
  return { state: next, effects };
}

function remove(state: LoopState, taskId: number, why: string): Transition {
  const task = state.tasks.get(taskId);
  if (task === undefined) return { state, effects: [] };
  const tasks = new Map(state.tasks);
  tasks.delete(taskId);
  const current = new Map(state.current);
  if (current.get(task.partition) === taskId) current.delete(task.partition);
  return { state: { ...state, tasks, current }, effects: [{ kind: 'drop', taskId, partition: task.partition, why }] };
}

function put(state: LoopState, task: TaskRecord): LoopState {
  return { ...state, tasks: withEntry(state.tasks, task.id, task) };
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const copy = new Map(map);
  copy.set(key, value);
  return copy;
}
