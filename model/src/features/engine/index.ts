export {
  compileFeatureSpec,
  type CompiledFeatureSpec,
  type CompileSpecOptions,
  type ComputeFileOptions,
  type CreateSpecStateOptions,
  type SpecState,
} from './compile.ts';
export type { LabelEvent } from './labels.ts';
export { sliceOf, type EventSlice, type FeatureViews } from './views.ts';
export type { SpecStateSnapshot } from './snapshot.ts';
export { entityCopiesOf, lookupsOf, type EntityCopy, type KeyLookup } from './lookups.ts';
