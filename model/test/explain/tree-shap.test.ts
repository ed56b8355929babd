import { beforeAll, describe, expect, it } from 'vitest';
import { createExplainer } from '../../src/explain/explainer.ts';
import { buildLeafPaths, LeafScratch, leafPathShap } from '../../src/explain/leaf-paths.ts';
import { PathBuffer, prepareShapTree, treeShap } from '../../src/explain/tree-shap.ts';
import { parseXGBoostModel } from '../../src/xgboost/model-json.ts';
import { logitF32 } from '../../src/xgboost/model-json.ts';
import { predictContribsNative, predictNative } from '../../src/xgboost/predict.ts';
import { trainXGBoost } from '../../src/xgboost/train.ts';
import { names, slice, SMALL_PARAMS, synthetic } from '../xgboost/fixtures.ts';

/** A hand-written XGBoost 1.7 JSON model with the given trees (arrays per node). */
function handModel(
  trees: {
    left: number[];
    right: number[];
    feature: number[];
    cond: number[];
    defaultLeft: number[];
    hess: number[];
  }[],
  numFeature: number,
  baseScore: number,
): string {
  return JSON.stringify({
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length) },
          tree_info: trees.map(() => 0),
          trees: trees.map((t, id) => ({
            id,
            tree_param: {
              num_deleted: '0',
              num_feature: String(numFeature),
              num_nodes: String(t.left.length),
              size_leaf_vector: '0',
            },
            left_children: t.left,
            right_children: t.right,
            split_indices: t.feature,
            split_conditions: t.cond,
            default_left: t.defaultLeft,
            sum_hessian: t.hess,
            base_weights: t.cond,
            loss_changes: t.left.map(() => 0),
            parents: t.left.map(() => 2147483647),
            split_type: t.left.map(() => 0),
            categories: [],
            categories_nodes: [],
            categories_segments: [],
            categories_sizes: [],
          })),
        },
      },
      learner_model_param: {
        base_score: String(baseScore),
        num_class: '0',
        num_feature: String(numFeature),
        num_target: '1',
      },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 4],
  });
}

describe('TreeSHAP on hand-computed trees', () => {
  // Tree A: f0 < 0.5 ? leaf 1.0 (cover 3) : leaf -1.0 (cover 1); missing -> right.
  const stump = {
    left: [1, -1, -1],
    right: [2, -1, -1],
    feature: [0, 0, 0],
    cond: [0.5, 1, -1],
    defaultLeft: [0, 0, 0],
    hess: [4, 3, 1],
  };

  it('credits the split feature with leaf value minus the cover-weighted mean', () => {
    const ex = createExplainer(handModel([stump], 2, 0.5), ['a', 'b']);
    // E[tree] = (3*1 + 1*(-1)) / 4 = 0.5; x0 = 0 goes left (1.0): phi0 = 0.5; base margin logit(0.5) = 0.
    expect(Array.from(ex.contributions(new Float32Array([0, 7])))).toEqual([0.5, 0, 0.5]);
    // x0 = 0.5 is not < 0.5: right leaf (-1): phi0 = -1.5. NaN follows default (right) too.
    expect(Array.from(ex.contributions(new Float32Array([0.5, 0])))).toEqual([-1.5, 0, 0.5]);
    expect(ex.contributions(new Float32Array([Number.NaN, 0]))[0]).toBe(-1.5);
  });

  it('splits credit between two features by Shapley weighting', () => {
    // Root f0 < 0 (cover 4) -> node1: f1 < 0 (cover 2) -> leaves 4 (1) | 0 (1); node2 leaf 0 (cover 2).
    // For x = (-1, -1): f(x) = 4. Shapley values by hand with conditional expectations:
    //   E[f] = (4*1 + 0*1 + 0*2)/4 = 1; E[f | x0] = (4+0)/2 = 2; E[f | x1] = 4*1/4... on path: x1 known
    //   only matters inside node1, so E[f | x1] = (2/4)*4 + (2/4)*0 = 2; f(x0,x1) = 4.
    //   phi0 = 1/2 [(2 - 1) + (4 - 2)] = 1.5, phi1 = 1/2 [(2 - 1) + (4 - 2)] = 1.5.
    const tree = {
      left: [1, 3, -1, -1, -1],
      right: [2, 4, -1, -1, -1],
      feature: [0, 1, 0, 0, 0],
      cond: [0, 0, 0, 4, 0],
      defaultLeft: [1, 1, 0, 0, 0],
      hess: [4, 2, 2, 1, 1],
    };
    const ex = createExplainer(handModel([tree], 2, 0.3), ['a', 'b']);
    const phi = ex.contributions(new Float32Array([-1, -1]));
    expect(phi[0]).toBeCloseTo(1.5, 12);
    expect(phi[1]).toBeCloseTo(1.5, 12);
    expect(phi[2]).toBeCloseTo(1 + logitF32(0.3), 6);
  });
});

describe('TreeSHAP against XGBoost pred_contribs', () => {
  const data = synthetic({ rows: 4000, cols: 12, seed: 21, nanRate: 0.25 });
  const train = slice(data, 0, 3000);
  const held = slice(data, 3000, 3600);
  let modelJson: string;

  beforeAll(async () => {
    const result = await trainXGBoost({
      train: train.matrix,
      trainLabels: train.labels,
      featureNames: names(12),
      params: { ...SMALL_PARAMS, rounds: 80, maxDepth: 6, earlyStoppingRounds: 0 },
    });
    modelJson = result.modelJson;
  });

  it('matches every contribution to 1e-4 on 600 held-out rows with NaNs', () => {
    const cols = 12;
    const native = predictContribsNative(modelJson, held.matrix);
    const ex = createExplainer(modelJson, names(cols));
    let max = 0;
    let nanRows = 0;
    for (let r = 0; r < held.matrix.rows; r++) {
      const row = held.matrix.data.subarray(r * cols, (r + 1) * cols);
      if (row.some(Number.isNaN)) nanRows++;
      const phi = ex.contributions(row);
      for (let j = 0; j <= cols; j++) max = Math.max(max, Math.abs((phi[j] ?? 0) - (native[r * (cols + 1) + j] ?? 0)));
    }
    expect(nanRows).toBeGreaterThan(100);
    expect(max).toBeLessThanOrEqual(1e-4);
  });

  it('gives the same values leaf by leaf as Algorithm 2, tree by tree', () => {
    const trees = parseXGBoostModel(modelJson).trees.map(prepareShapTree);
    const path = new PathBuffer(6);
    const scratch = new LeafScratch(1024, 6);
    let max = 0;
    for (const tree of trees) {
      const lp = buildLeafPaths(tree);
      for (let r = 0; r < 40; r++) {
        const row = held.matrix.data.subarray(r * 12, (r + 1) * 12);
        const fast = new Float64Array(13);
        const slow = new Float64Array(13);
        leafPathShap(tree, lp, row, fast, scratch);
        treeShap(tree, row, slow, path, 12);
        for (let j = 0; j < 12; j++) max = Math.max(max, Math.abs((fast[j] ?? 0) - (slow[j] ?? 0)));
      }
    }
    expect(max).toBeLessThan(1e-9);
  });

  it('matches XGBoost on deep trees (depth 10, features repeated along paths)', async () => {
    const deep = await trainXGBoost({
      train: train.matrix,
      trainLabels: train.labels,
      featureNames: names(12),
      params: { ...SMALL_PARAMS, rounds: 10, maxDepth: 10, minChildWeight: 0.1, earlyStoppingRounds: 0 },
    });
    const parsed = parseXGBoostModel(deep.modelJson);
    expect(Math.max(...parsed.trees.map((t) => t.maxDepth))).toBeGreaterThan(8);
    const rows = slice(held, 0, 100).matrix;
    const native = predictContribsNative(deep.modelJson, rows);
    const ex = createExplainer(deep.modelJson, names(12));
    let max = 0;
    for (let r = 0; r < rows.rows; r++) {
      const phi = ex.contributions(rows.data.subarray(r * 12, (r + 1) * 12));
      for (let j = 0; j <= 12; j++) max = Math.max(max, Math.abs((phi[j] ?? 0) - (native[r * 13 + j] ?? 0)));
    }
    expect(max).toBeLessThanOrEqual(1e-4);
  });

  it('sums to the model margin (local accuracy)', () => {
    const probs = predictNative(modelJson, held.matrix);
    const ex = createExplainer(modelJson, names(12));
    for (let r = 0; r < 50; r++) {
      const phi = ex.contributions(held.matrix.data.subarray(r * 12, (r + 1) * 12));
      const margin = phi.reduce((a, b) => a + b, 0);
      expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(probs[r] ?? -1, 5);
    }
  });

  it('gives top reasons sorted by |contribution| with names and the row values (NaN kept)', () => {
    const ex = createExplainer(modelJson, names(12));
    const row = Float32Array.from(held.matrix.data.subarray(0, 12));
    row[0] = Number.NaN;
    const phi = ex.contributions(row);
    const reasons = ex.topReasons(row, 4);
    expect(reasons).toHaveLength(4);
    for (let i = 1; i < reasons.length; i++) {
      expect(Math.abs(reasons[i - 1]?.contribution ?? 0)).toBeGreaterThanOrEqual(
        Math.abs(reasons[i]?.contribution ?? 0),
      );
    }
    const strongest = Array.from(phi.subarray(0, 12)).reduce(
      (best, v, i) => (Math.abs(v) > Math.abs(phi[best] ?? 0) ? i : best),
      0,
    );
    expect(reasons[0]?.feature).toBe(`f${strongest}`);
    for (const r of reasons) {
      const j = Number(r.feature.slice(1));
      expect(r.contribution).toBe(phi[j]);
      expect(Object.is(r.value, row[j]) || r.value === row[j]).toBe(true);
    }
    expect(ex.topReasons(row, 0)).toEqual([]);
  });

  it('rejects rows and names that do not fit the model', () => {
    expect(() => createExplainer(modelJson, names(11))).toThrowError(/feature names/);
    expect(() => createExplainer(modelJson, names(12)).contributions(new Float32Array(5))).toThrowError(/expects 12/);
  });
});
