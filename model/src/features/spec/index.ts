export {
  parseFeatureSpec,
  specHash,
  canonicalJson,
  resolveBounds,
  outputNames,
  type ResolvedBounds,
} from './validate.ts';
export { loadFeatureSpec, builtInFeatureSpecs, defaultSpecForFields } from './load.ts';
export { durationMs, formatDuration } from './duration.ts';
export type { FeatureSpec, FeatureDef, FeatureOp, FeatureFilter, SpecBounds } from './schema.ts';
