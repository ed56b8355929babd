import { FEATURE_NAMES, FEATURE_SET, RETIRED_FEATURE_SETS } from './names.ts';

/**
 * Why a model cannot be served with this build's features, or null. Call it before hot-swapping.
 * fs-v2 features do not depend on the partition count of `transactions` (origins are whole in
 * their partition, destinations come from the global view), so a model serves any topic.
 */
export function featureCompatibilityProblem(meta: {
  version?: string;
  featureSet: string;
  featureNames: readonly string[];
}): string | null {
  const name = meta.version ?? 'model';
  if (meta.featureSet !== FEATURE_SET) {
    const retired = RETIRED_FEATURE_SETS.includes(meta.featureSet)
      ? ` (${meta.featureSet} is retired: its destination features were per partition)`
      : '';
    return (
      `${name} uses feature set ${meta.featureSet}; this build computes ${FEATURE_SET}${retired}: retrain it ` +
      `with \`fraud model train\` or \`fraud models retrain\``
    );
  }
  if (meta.featureNames.length !== FEATURE_NAMES.length || meta.featureNames.some((n, i) => n !== FEATURE_NAMES[i])) {
    return (
      `${name} lists ${meta.featureNames.length} features that differ ` +
      `from ${FEATURE_SET}'s ${FEATURE_NAMES.length}`
    );
  }
  return null;
}
