/**
 * Compile-time proof that the hand-written types (src/types.ts) are identical to the types
 * generated from the .avsc files (src/generated/avro-types.ts). `tsc -p schemas` checks it and
 * types.test.ts compiles it on every test run; a drifted type fails on its line below.
 */
import type * as Gen from '../src/generated/avro-types.ts';
import type * as Hand from '../src/types.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const typesMatch: Record<string, true> = {
  Transaction: true satisfies Equal<Hand.Transaction, Gen.Transaction>,
  TransactionType: true satisfies Equal<Hand.TransactionType, Gen.TransactionType>,
  ScoredTransaction: true satisfies Equal<Hand.ScoredTransaction, Gen.ScoredTransaction>,
  Decision: true satisfies Equal<Hand.Decision, Gen.Decision>,
  Reason: true satisfies Equal<Hand.Reason, Gen.Reason>,
  ShadowScore: true satisfies Equal<Hand.ShadowScore, Gen.ShadowScore>,
  SourcePosition: true satisfies Equal<Hand.SourcePosition, Gen.SourcePosition>,
  Label: true satisfies Equal<Hand.Label, Gen.Label>,
  LabelSource: true satisfies Equal<Hand.LabelSource, Gen.LabelSource>,
  ModelUpdate: true satisfies Equal<Hand.ModelUpdate, Gen.ModelUpdate>,
  ModelRole: true satisfies Equal<Hand.ModelRole, Gen.ModelRole>,
};
