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
