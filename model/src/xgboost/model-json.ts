/**
 * XGBoost's JSON model (SaveModel format "json", 1.7 schema) parsed into flat typed arrays per
 * tree: the single reading of the trees shared by the ONNX converter and TreeSHAP.
 * Invariants: node 0 is the root; a leaf has left == -1 and its value in split_conditions;
 * a split sends x < threshold (float32 comparison) left, NaN to default_left.
 */
import { FraudError } from '@fraud/common';

export interface FlatTree {
  nodes: number;
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  /** Leaf values (0 for inner nodes). */
  value: Float32Array;
  /** sum_hessian: the training "cover" TreeSHAP weighs paths with. */
  cover: Float64Array;
  maxDepth: number;
}

export interface XGBoostModel {
  numFeature: number;
  /** base_score as stored (a probability for binary:logistic). */
  baseScore: number;
  /** base_score on the margin scale, as XGBoost computes it (float32 logit). */
  baseMargin: number;
  trees: FlatTree[];
  featureNames: string[];
  attributes: Record<string, string>;
}

type Json = Record<string, unknown>;

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${path} is not an object`);
  return v as Json;
}

function nums(v: unknown, path: string, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length) throw invalid(`${path} is not an array of ${length} values`);
  return v.map((x: unknown) => (typeof x === 'boolean' ? Number(x) : Number(x)));
}

function invalid(msg: string): FraudError {
  return new FraudError('MODEL_INVALID', `XGBoost JSON model: ${msg}`);
}

/** XGBoost 1.7 RegLossObj<LogisticClassification>::ProbToMargin, in float32 like the C++. */
export function logitF32(p: number): number {
  const f = Math.fround;
  return f(-f(Math.log(f(f(1 / f(p)) - 1))));
}

export function parseXGBoostModel(modelJson: string): XGBoostModel {
  let root: Json;
  try {
    root = obj(JSON.parse(modelJson), 'model');
  } catch (err: unknown) {
    if (err instanceof FraudError) throw err;
    throw new FraudError('MODEL_INVALID', 'XGBoost JSON model is not valid JSON', { cause: err });
  }
  const learner = obj(root.learner, 'learner');
  const objective = obj(learner.objective, 'learner.objective');
  if (objective.name !== 'binary:logistic') {
    throw new FraudError(
      'MODEL_INCOMPATIBLE',
      `objective ${String(objective.name)} is not supported; train with binary:logistic`,
    );
  }
  const booster = obj(learner.gradient_booster, 'learner.gradient_booster');
  if (booster.name !== 'gbtree') {
    throw new FraudError('MODEL_INCOMPATIBLE', `booster ${String(booster.name)} is not supported; train with gbtree`);
  }
  const param = obj(learner.learner_model_param, 'learner.learner_model_param');
  const baseScore = Number(param.base_score);
  const numFeature = Number(param.num_feature);
  if (!(baseScore > 0 && baseScore < 1)) throw invalid(`base_score ${String(param.base_score)} is not a probability`);
  const model = obj(booster.model, 'gradient_booster.model');
  const rawTrees = model.trees;
  if (!Array.isArray(rawTrees)) throw invalid('gradient_booster.model.trees is missing');
  const trees = rawTrees.map((t: unknown, i: number) => parseTree(obj(t, `trees[${i}]`), i, numFeature));
  const names = Array.isArray(learner.feature_names) ? learner.feature_names.map(String) : [];
  const attrs =
    typeof learner.attributes === 'object' && learner.attributes !== null
      ? (learner.attributes as Record<string, string>)
      : {};
  return { numFeature, baseScore, baseMargin: logitF32(baseScore), trees, featureNames: names, attributes: attrs };
}

function parseTree(t: Json, index: number, numFeature: number): FlatTree {
  const at = `trees[${index}]`;
  const n = Number(obj(t.tree_param, `${at}.tree_param`).num_nodes);
  if (!Number.isInteger(n) || n < 1) throw invalid(`${at} has no nodes`);
  const splitType = Array.isArray(t.split_type) ? t.split_type : [];
  if (splitType.some((s: unknown) => Number(s) !== 0)) {
    throw new FraudError('MODEL_INCOMPATIBLE', `${at} has categorical splits, which the exporter does not support`);
  }
  const left = Int32Array.from(nums(t.left_children, `${at}.left_children`, n));
  const right = Int32Array.from(nums(t.right_children, `${at}.right_children`, n));
  const conds = nums(t.split_conditions, `${at}.split_conditions`, n);
  const split = nums(t.split_indices, `${at}.split_indices`, n);
  const defLeft = nums(t.default_left, `${at}.default_left`, n);
  const hess = nums(t.sum_hessian, `${at}.sum_hessian`, n);
  const tree: FlatTree = {
    nodes: n,
    left,
    right,
    feature: new Int32Array(n),
    threshold: new Float32Array(n),
    defaultLeft: new Uint8Array(n),
    value: new Float32Array(n),
    cover: Float64Array.from(hess),
    maxDepth: 0,
  };
  for (let i = 0; i < n; i++) {
    const l = left[i] ?? -1;
    if (l === -1) {
      tree.value[i] = conds[i] ?? 0;
      continue;
    }
    const r = right[i] ?? -1;
    const f = split[i] ?? -1;
    if (l <= i || r <= i || l >= n || r >= n || f < 0 || f >= numFeature) throw invalid(`${at} node ${i} is malformed`);
    tree.feature[i] = f;
    tree.threshold[i] = conds[i] ?? 0;
    tree.defaultLeft[i] = defLeft[i] === 0 ? 0 : 1;
  }
  tree.maxDepth = depthOf(tree, 0);
  return tree;
}

function depthOf(tree: FlatTree, node: number): number {
  const l = tree.left[node] ?? -1;
  if (l === -1) return 0;
  return 1 + Math.max(depthOf(tree, l), depthOf(tree, tree.right[node] ?? -1));
}
