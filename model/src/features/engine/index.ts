export {
  compileFeatureSpec,
  type CompiledFeatureSpec,
  type CompileSpecOptions,
  type ComputeFileOptions,
  type CreateSpecStateOptions,
  type SpecState,
} from './compile.ts';
export type { LabelEvent } from './labels.ts';
export type { FeatureViews } from './views.ts';
export type { SpecStateSnapshot } from './snapshot.ts';
