import type { Matrix } from '../api.ts';
import { createExplainer } from '../explain/explainer.ts';

/**
 * Feature importance two ways: total split gain from XGBoost's JSON trees (what the trees
 * optimised) and mean |TreeSHAP| over sample rows (what drives the scores of real rows).
 */
export interface FeatureImportance {
  feature: string;
  gain: number;
  meanAbsShap: number;
}

interface JsonTree {
  loss_changes: number[];
  split_indices: number[];
  left_children: number[];
}

function totalGain(modelJson: string, cols: number): Float64Array {
  const gain = new Float64Array(cols);
  const parsed = JSON.parse(modelJson) as { learner?: { gradient_booster?: { model?: { trees?: JsonTree[] } } } };
  for (const t of parsed.learner?.gradient_booster?.model?.trees ?? []) {
    t.left_children.forEach((left, node) => {
      if (left === -1) return; // leaf
      const f = t.split_indices[node] ?? -1;
      if (f >= 0 && f < cols) gain[f] = (gain[f] ?? 0) + (t.loss_changes[node] ?? 0);
    });
  }
  return gain;
}

export function featureImportance(
  modelJson: string,
  featureNames: readonly string[],
  sample: Matrix,
  maxRows = 2000,
): FeatureImportance[] {
  const cols = featureNames.length;
  const gain = totalGain(modelJson, cols);
  const explainer = createExplainer(modelJson, featureNames);
  const shap = new Float64Array(cols);
  const n = Math.min(sample.rows, maxRows);
  const stride = sample.rows / Math.max(1, n);
  for (let k = 0; k < n; k++) {
    const r = Math.floor(k * stride);
    const phi = explainer.contributions(sample.data.subarray(r * cols, (r + 1) * cols));
    for (let j = 0; j < cols; j++) shap[j] = (shap[j] ?? 0) + Math.abs(phi[j] ?? 0);
  }
  return featureNames
    .map((feature, j) => ({ feature, gain: gain[j] ?? 0, meanAbsShap: n === 0 ? 0 : (shap[j] ?? 0) / n }))
    .sort((a, b) => b.meanAbsShap - a.meanAbsShap || b.gain - a.gain);
}
