import type { ModelRole } from '@fraud/schemas';
import type { ServingModel, Thresholds } from '@fraud/model';
import type { FeatureModule } from './ports.ts';

/** A verified, smoke-tested model with the thresholds it was published with. */
export interface ActiveModel {
  role: ModelRole;
  version: string;
  sha256: string;
  thresholds: Thresholds;
  serving: ServingModel;
  /** The feature spec the model was trained on, as this instance computes it. */
  features: FeatureModule;
}

/** What one chunk scores with: read once at chunk start, so a hot swap lands between chunks. */
export interface ModelPair {
  champion: ActiveModel;
  shadow: ActiveModel | null;
}
