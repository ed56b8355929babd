/**
 * What the exactly-once loop needs from Kafka, as one injected port: opening a partition task
 * (fencing, the committed-offset read, the state restore) and its Kafka transactions. The loop
 * (loop.ts) drives it from the state machine's decisions; kafka-port.ts is the one real
 * implementation.
 *
 * Clocks: the loop and the scoring read wall time only through the injected `now` (validation's
 * future bound, scoredAt, end-to-end latency). Durations (chunk seconds, restore milliseconds) use
 * performance.now(), the process's monotonic clock, which no wall-clock adjustment moves.
 */
import type { RecentIds } from '../recent-ids.ts';
import type { FeatureModule, SpecStates } from '../ports.ts';
import type { ChunkResult } from '../score-chunk.ts';

export interface OpenedTask {
  /** The group's committed offset for the partition, read after fencing: the first position. */
  committed: bigint;
  /**
   * The partition's end offset read after fencing (absent: the committed offset): the synchronous
   * path waits until the task has read that far, so it holds every decision taken before it opened.
   */
  endOffset?: bigint;
  /** The feature states (one per spec in force when it opened) rebuilt from scored[p]. */
  state: SpecStates;
  /** The txIds of scored[p] (newest first kept), for DUPLICATE_TX_ID. */
  recent: RecentIds | undefined;
  /** Scored records replayed to rebuild the state. */
  restoredRecords: number;
  /**
   * Synchronous decisions the restored state holds that the stream has not read back yet (from a
   * snapshot): the task's synchronous memory starts with them pending, so they are not counted again.
   */
  ahead?: readonly string[];
  /**
   * One Kafka transaction: the chunk's decisions (to scored[p]), its dead letters and the next
   * input offset, committed atomically, with a state snapshot when one is due. `ahead` is asked
   * right before the state is serialised: the txIds the state holds beyond `next` (synchronous
   * decisions written to `transactions`, not read back yet), or null when no snapshot may be
   * taken now. Rejects (after aborting) on any failure, fencing included.
   */
  commit(output: ChunkResult, next: bigint, ahead?: () => readonly string[] | null): Promise<void>;
  /**
   * Adds the state of one more spec to `state`, rebuilt from scored[p] (call between chunks, so
   * scored[p] holds exactly the committed payments); resolves to the records replayed.
   */
  addSpec(spec: FeatureModule): Promise<number>;
  /** Releases the transactional producer. */
  close(): Promise<void>;
}

export interface EosPort {
  /**
   * Opens the task of one input partition: fence the previous owner (which also finishes its
   * open Kafka transaction), read the committed offset, rebuild the state from scored[p].
   * `heartbeat` keeps this member in the group while that takes long; it rejects when the group
   * is rebalancing, and then so does this.
   */
  openTask(partition: number, heartbeat: () => Promise<void>): Promise<OpenedTask>;
}
