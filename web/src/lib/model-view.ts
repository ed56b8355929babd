import type { EvaluationCurve } from './what-if.ts';

/** A model version as the Models and Policy pages show it (normalised from its metadata). */
export interface ModelView {
  version: string;
  role: string;
  createdAt: number;
  /** Where the console learnt about it: model-updates topic, local artifacts, warehouse. */
  sources: string[];
  featureSet: string | null;
  featureNames: string[];
  /** The feature spec the model was trained on (null: a model from before specs, or none recorded). */
  spec: SpecView | null;
  thresholds: { review: number; block: number } | null;
  metrics: Record<string, number>;
  trainingWindow: { from: number | null; to: number | null } | null;
  prCurve: { threshold: number | null; precision: number; recall: number }[];
  confusion: { tp: number; fp: number; tn: number; fn: number } | null;
  featureImportance: { feature: string; importance: number }[];
  costCurve: { threshold: number; cost: number }[];
  evaluation: EvaluationCurve | null;
  /** True when the console holds what it needs to republish this version (promote/roll back). */
  promotable: boolean;
}

/** A model's feature spec as the Models page shows it. */
export interface SpecView {
  /** name@version. */
  id: string;
  /** Content hash (sha256 hex) as recorded in the metadata, or null. */
  hash: string | null;
  entities: { name: string; field: string }[];
  /** The spec's features by kind, in spec order: transaction, time, history of an entity, labels of an entity. */
  groups: { kind: string; features: { name: string; detail: string }[] }[];
}
