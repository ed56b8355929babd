/**
 * The scorer's view of the pieces it calls (schemas/ codecs and validator, model/ features and
 * serving). They are injected, so the processing core is pure and testable; runtime.ts wires
 * the real ones.
 */
import type { Codec, Label, ModelUpdate, ScoredTransaction, Transaction } from '@fraud/schemas';
import type { ServingModel } from '@fraud/model';

export type { Codec };

export interface ScorerCodecs {
  transaction: Codec<Transaction>;
  scored: Codec<ScoredTransaction>;
  modelUpdate: Codec<ModelUpdate>;
  /** Read by the label view of a spec with label features; such a spec is refused without it. */
  label?: Codec<Label>;
}

/**
 * One feature spec as this scorer instance computes it (model/: the same engine online and
 * offline): per-partition states, and the instance's entity and label views the states share.
 * A model is served with the module of the spec its metadata names.
 */
export interface FeatureModule<S = unknown> {
  /** Content hash of the spec: the key of its state in every partition (SpecStates). */
  readonly hash: string;
  /** name@version, for logs. */
  readonly id: string;
  /** Written as featureSet on the scored records. */
  readonly featureSet: string;
  readonly featureNames: readonly string[];
  /** Empty state for one input partition (sharing the instance's views of this spec). */
  createState(partition: number): S;
  /** An empty state with private views: for smoke tests that must not leave a trace. */
  scratchState(): S;
  /** JSON-serialisable copy of one partition's state (views excluded). Absent: the spec is never snapshotted. */
  snapshotState?(state: S): unknown;
  /** A partition's state from snapshotState's output (sharing the instance's views); throws when it does not fit. */
  restoreState?(snapshot: unknown): S;
  /**
   * Row-major rows x featureNames.length; each payment sees only history strictly before it; updates
   * state. `inputs`: what gatherInputs returned for these payments (partitioned entity state).
   */
  compute(payments: readonly Transaction[], state: S, inputs?: unknown): Float32Array;
  /**
   * Partitioned entity state: the copies of a valid payment its entity owners need (one per entity
   * field with a key), written to entity-events before any lookup. Absent: the spec reads no entity.
   */
  entityCopies?(payment: Transaction): ReadonlyArray<{ field: string; key: string }>;
  /** The entity fields entityCopies copies for (every non-origin entity field of the spec). */
  readonly entityFields?: readonly string[];
  /**
   * Partitioned entity state: looks the payments' entity keys up at their owners (each waiting, at
   * most `waitMs`, until it holds every event before `t`) and the labels' barrier; the result goes
   * to compute. Replaces awaitInputs when present.
   */
  gatherInputs?(
    payments: readonly Transaction[],
    at: { t: number; appendedBy: number; waitMs?: number },
  ): Promise<unknown>;
  /**
   * Waits (bounded) until the spec's views hold every event (and label) before `eventTime`;
   * `appendedBy` is the chunk's newest Kafka timestamp. Absent: the spec reads no views.
   */
  awaitInputs?(eventTime: number, appendedBy: number): Promise<unknown>;
  /**
   * How far (ms) the spec's entity views are behind the end of `transactions`, without waiting
   * (null: not known yet). Absent: the spec reads no views.
   */
  viewLagMs?(): number | null;
}

/**
 * The feature states of one input partition, one per spec in force, keyed by spec hash. A chunk
 * updates every state it holds; a spec no model of the chunk uses is dropped, a missing one is
 * rebuilt from scored[p] first (the same restore as on assignment).
 */
export type SpecStates = Map<string, unknown>;

/** What it takes to build a ServingModel from verified bytes (model/ createServingModel). */
export interface ServingModelSpec {
  version: string;
  featureSet: string;
  featureNames: readonly string[];
  onnx: Uint8Array;
  modelJson: string | null;
}
export type ServingModelFactory = (spec: ServingModelSpec) => Promise<ServingModel>;

/** Semantic validation of a decoded transaction: a reason, or null when it makes sense. */
export type TransactionValidator = (payment: Transaction, now: number) => string | null;
