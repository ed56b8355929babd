import { FEATURE_NAMES, FEATURE_SET } from './names.ts';
import { DEFAULT_FEATURE_OPTIONS } from './state.ts';

/**
 * Why a model cannot be served with this build's features on a transactions topic with
 * `numPartitions` partitions, or null. Destination features are per partition, so a model
 * trained for another partition count would see features with a different meaning.
 * Artifacts without featureOptions predate the option and assume the default (6).
 */
export function featureCompatibilityProblem(
  meta: { version?: string; featureSet: string; featureNames: readonly string[]; featureOptions?: unknown },
  numPartitions: number,
): string | null {
  const name = meta.version ?? 'model';
  if (meta.featureSet !== FEATURE_SET) return `${name} uses feature set ${meta.featureSet}; this build computes ${FEATURE_SET}`;
  if (meta.featureNames.length !== FEATURE_NAMES.length || meta.featureNames.some((n, i) => n !== FEATURE_NAMES[i])) {
    return `${name} lists ${meta.featureNames.length} features that differ from ${FEATURE_SET}'s ${FEATURE_NAMES.length}`;
  }
  const trained = (meta.featureOptions as { numPartitions?: unknown } | undefined)?.numPartitions ?? DEFAULT_FEATURE_OPTIONS.numPartitions;
  if (trained !== numPartitions) {
    return `${name} was trained for ${String(trained)} partitions (destination features are per partition) but the transactions topic has ${numPartitions}; retrain with --partitions ${numPartitions}`;
  }
  return null;
}
