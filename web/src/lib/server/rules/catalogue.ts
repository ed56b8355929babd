import type { FeatureCatalogue } from '@fraud/model/rules';
import type { ModelRegistry } from '../models/registry.ts';

/**
 * What a rule is checked against in the console: the transaction fields, `score`, the rule set's
 * lists and the champion's features (its feature set and vector order, which a backtest needs to
 * read the stored features). Without a champion no feature name is known, so a rule may use the
 * transaction fields and the score only.
 */
export interface RuleFeatures {
  catalogue: FeatureCatalogue;
  featureNames: string[];
  /** The model version the features come from; null without a champion. */
  model: string | null;
}

export async function championFeatures(models: ModelRegistry): Promise<RuleFeatures> {
  const champion = await models.champion();
  const model = champion === null ? undefined : (await models.list()).find((m) => m.version === champion);
  if (!model) return { catalogue: { features: [], featureSet: null }, featureNames: [], model: null };
  return {
    catalogue: { features: model.featureNames, featureSet: model.featureSet },
    featureNames: model.featureNames,
    model: model.version,
  };
}
