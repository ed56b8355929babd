/**
 * Per-decision explanations: exact TreeSHAP contributions (log-odds) and the top reasons by
 * |contribution|. Trees are prepared once per model; explaining a row allocates only its output.
 */
import { FraudError } from '@fraud/common';
import type { Reason } from '@fraud/schemas';
import { parseXGBoostModel, type XGBoostModel } from '../xgboost/model-json.ts';
import { buildLeafPaths, LeafScratch, leafPathShap } from './leaf-paths.ts';
import { PathBuffer, prepareShapTree, treeShap, type ShapTree } from './tree-shap.ts';

export interface Explainer {
  readonly featureNames: readonly string[];
  /** cols + 1 values: one per feature, the last is the bias (expected margin). */
  contributions(row: Float32Array): Float64Array;
  /** Up to k features with non-zero contribution, largest |contribution| first. */
  topReasons(row: Float32Array, k: number): Reason[];
}

export function createExplainer(model: string | XGBoostModel, featureNames: readonly string[]): Explainer {
  const parsed = typeof model === 'string' ? parseXGBoostModel(model) : model;
  const cols = parsed.numFeature;
  if (featureNames.length !== cols) {
    throw new FraudError(
      'MODEL_INCOMPATIBLE',
      `${featureNames.length} feature names for a model with ${cols} features`,
    );
  }
  const trees = parsed.trees.map(prepareShapTree);
  // Leaf-by-leaf TreeSHAP; Algorithm 2 only for paths too deep for a 32-bit feature mask.
  const paths = trees.map(buildLeafPaths);
  const fastTrees = trees.flatMap((tree, i) => {
    const lp = paths[i];
    return lp === undefined || lp.maxDepth > 30 ? [] : [{ tree, lp }];
  });
  const slowTrees: ShapTree[] = trees.filter((_, i) => (paths[i]?.maxDepth ?? 0) > 30);
  const scratch = new LeafScratch(
    trees.reduce((m, t) => Math.max(m, t.nodes), 1),
    fastTrees.reduce((m, t) => Math.max(m, t.lp.maxDepth), 1),
  );
  const path = new PathBuffer(trees.reduce((m, t) => Math.max(m, t.maxDepth), 0));
  let bias = parsed.baseMargin;
  for (const t of trees) bias += t.meanValue[0] ?? 0;
  const contributions = (row: Float32Array): Float64Array => {
    if (row.length !== cols) {
      throw new FraudError('RECORD_INVALID', `row has ${row.length} features, the model expects ${cols}`);
    }
    const phi = new Float64Array(cols + 1);
    for (const { tree, lp } of fastTrees) leafPathShap(tree, lp, row, phi, scratch);
    for (const t of slowTrees) treeShap(t, row, phi, path, cols);
    // treeShap adds each slow tree's expected value to phi[cols]; the bias covers all trees.
    phi[cols] = bias;
    return phi;
  };
  return {
    featureNames,
    contributions,
    topReasons(row, k) {
      const phi = contributions(row);
      const order: number[] = [];
      for (let i = 0; i < cols; i++) if (phi[i] !== 0) order.push(i);
      order.sort((a, b) => Math.abs(phi[b] ?? 0) - Math.abs(phi[a] ?? 0) || a - b);
      return order.slice(0, Math.max(0, k)).map((i) => ({
        feature: featureNames[i] ?? `f${i}`,
        value: row[i] ?? Number.NaN,
        contribution: phi[i] ?? 0,
      }));
    },
  };
}
