import { FEATURE_NAMES, FEATURE_SET, loadFeatureSpec, outputNames } from '@fraud/model';
import type { FeatureCatalogue } from '@fraud/model/rules';

export interface RuleFeatures {
  catalogue: FeatureCatalogue;
  /** The stored vector order of catalogue.featureSet. */
  names: readonly string[];
}

/**
 * The features rules are checked against: the built-in fs-v2 (what models without a spec are
 * served with, stored as featureSet "fs-v2"), or a feature spec by name or file, stored as
 * "NAME@VERSION" by the scorer that serves it.
 */
export function ruleFeatures(spec: string | undefined): RuleFeatures {
  if (spec === undefined || spec === FEATURE_SET) {
    return { catalogue: { features: FEATURE_NAMES, featureSet: FEATURE_SET }, names: FEATURE_NAMES };
  }
  const s = loadFeatureSpec(spec);
  const names = s.features.flatMap(outputNames);
  return { catalogue: { features: names, featureSet: `${s.name}@${s.version}` }, names };
}
