import type { ModelRole } from '@fraud/schemas';
import type { ServingModel, Thresholds } from '@fraud/model';

/** A verified, smoke-tested model with the thresholds it was published with. */
export interface ActiveModel {
  role: ModelRole;
  version: string;
  sha256: string;
  thresholds: Thresholds;
  serving: ServingModel;
}

/** What one chunk scores with: read once at chunk start, so a hot swap lands between chunks. */
export interface ModelPair {
  champion: ActiveModel;
  shadow: ActiveModel | null;
}
