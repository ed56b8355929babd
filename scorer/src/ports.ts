/**
 * The scorer's view of the pieces it calls (schemas/ codecs and validator, model/ features and
 * serving). They are injected, so the processing core is pure and testable; runtime.ts wires
 * the real ones.
 */
import type { Codec, ModelUpdate, ScoredTransaction, Transaction } from '@fraud/schemas';
import type { ServingModel } from '@fraud/model';

export type { Codec };

export interface ScorerCodecs {
  transaction: Codec<Transaction>;
  scored: Codec<ScoredTransaction>;
  modelUpdate: Codec<ModelUpdate>;
}

/** The shared feature module (model/): one implementation online and offline. */
export interface FeatureModule<S = unknown> {
  readonly featureSet: string;
  readonly featureNames: readonly string[];
  /** Empty state for one input partition (sharing the instance's destination view). */
  createState(partition: number): S;
  /** An empty state with a private destination view: for smoke tests that must not leave a trace. */
  scratchState(): S;
  /** Row-major rows x featureNames.length; each payment sees only history strictly before it; updates state. */
  compute(payments: readonly Transaction[], state: S): Float32Array;
}

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
