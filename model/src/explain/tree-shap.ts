/**
 * Exact TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution
 * for Tree Ensembles", Algorithm 2), following XGBoost's RegTree::TreeShap so the results match
 * its pred_contribs: covers are the trees' sum_hessian, a row follows x < threshold / NaN ->
 * default_left, and the bias column is the expected tree value plus the base margin.
 *
 * The unique path of every recursion level lives in one preallocated set of typed arrays
 * (level d at offset d(d+1)/2, like XGBoost's unique_path_data), so no allocation per row.
 */
import type { FlatTree } from '../xgboost/model-json.ts';

export interface ShapTree extends FlatTree {
  /** Cover-weighted mean leaf value below each node (XGBoost's node mean values). */
  meanValue: Float64Array;
}

export function prepareShapTree(tree: FlatTree): ShapTree {
  const meanValue = new Float64Array(tree.nodes);
  const fill = (node: number): number => {
    const l = tree.left[node] ?? -1;
    if (l === -1) {
      meanValue[node] = tree.value[node] ?? 0;
    } else {
      const r = tree.right[node] ?? -1;
      const lm = fill(l);
      const rm = fill(r);
      meanValue[node] = (lm * (tree.cover[l] ?? 0) + rm * (tree.cover[r] ?? 0)) / (tree.cover[node] ?? 1);
    }
    return meanValue[node] ?? 0;
  };
  fill(0);
  return { ...tree, meanValue };
}

/** Scratch space for the unique paths of the deepest tree. */
export class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(maxDepth: number) {
    const maxd = maxDepth + 2;
    const size = (maxd * (maxd + 1)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

function extendPath(p: PathBuffer, at: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  p.weight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    const wi = p.weight[at + i] ?? 0;
    p.weight[at + i + 1] = (p.weight[at + i + 1] ?? 0) + (one * wi * (i + 1)) / (depth + 1);
    p.weight[at + i] = (zero * wi * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: PathBuffer, at: number, depth: number, index: number): void {
  const one = p.one[at + index] ?? 0;
  const zero = p.zero[at + index] ?? 0;
  let nextOne = p.weight[at + depth] ?? 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[at + i] ?? 0;
      const w = (nextOne * (depth + 1)) / ((i + 1) * one);
      p.weight[at + i] = w;
      nextOne = tmp - (w * zero * (depth - i)) / (depth + 1);
    } else {
      p.weight[at + i] = ((p.weight[at + i] ?? 0) * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1] ?? 0;
    p.zero[at + i] = p.zero[at + i + 1] ?? 0;
    p.one[at + i] = p.one[at + i + 1] ?? 0;
  }
}

function unwoundPathSum(p: PathBuffer, at: number, depth: number, index: number): number {
  const one = p.one[at + index] ?? 0;
  const zero = p.zero[at + index] ?? 0;
  let nextOne = p.weight[at + depth] ?? 0;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (nextOne * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      nextOne = (p.weight[at + i] ?? 0) - tmp * zero * ((depth - i) / (depth + 1));
    } else if (zero !== 0) {
      total += (p.weight[at + i] ?? 0) / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function recurse(
  t: ShapTree,
  x: Float32Array,
  phi: Float64Array,
  p: PathBuffer,
  node: number,
  depth: number,
  parentAt: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  const at = parentAt + depth + 1;
  p.feature.copyWithin(at, parentAt, parentAt + depth + 1);
  p.zero.copyWithin(at, parentAt, parentAt + depth + 1);
  p.one.copyWithin(at, parentAt, parentAt + depth + 1);
  p.weight.copyWithin(at, parentAt, parentAt + depth + 1);
  extendPath(p, at, depth, parentZero, parentOne, parentFeature);

  const left = t.left[node] ?? -1;
  if (left === -1) {
    const leafValue = t.value[node] ?? 0;
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(p, at, depth, i);
      const f = p.feature[at + i] ?? 0;
      phi[f] = (phi[f] ?? 0) + w * ((p.one[at + i] ?? 0) - (p.zero[at + i] ?? 0)) * leafValue;
    }
    return;
  }
  const right = t.right[node] ?? -1;
  const split = t.feature[node] ?? 0;
  const v = x[split] ?? Number.NaN;
  const hot = Number.isNaN(v)
    ? t.defaultLeft[node] === 1
      ? left
      : right
    : v < (t.threshold[node] ?? 0)
      ? left
      : right;
  const cold = hot === left ? right : left;
  const cover = t.cover[node] ?? 1;
  const hotZero = (t.cover[hot] ?? 0) / cover;
  const coldZero = (t.cover[cold] ?? 0) / cover;
  let incomingZero = 1;
  let incomingOne = 1;
  // If this feature was split on higher up, undo that split and redo it here.
  let index = 0;
  for (; index <= depth; index++) if (p.feature[at + index] === split) break;
  let d = depth;
  if (index !== depth + 1) {
    incomingZero = p.zero[at + index] ?? 1;
    incomingOne = p.one[at + index] ?? 1;
    unwindPath(p, at, d, index);
    d -= 1;
  }
  recurse(t, x, phi, p, hot, d + 1, at, hotZero * incomingZero, incomingOne, split);
  recurse(t, x, phi, p, cold, d + 1, at, coldZero * incomingZero, 0, split);
}

/** Adds one tree's SHAP values to phi (length cols + 1; phi[cols] is the bias). */
export function treeShap(t: ShapTree, x: Float32Array, phi: Float64Array, p: PathBuffer, cols: number): void {
  phi[cols] = (phi[cols] ?? 0) + (t.meanValue[0] ?? 0);
  // As in XGBoost, the root level starts at offset 1 and its pseudo element (feature -1) is
  // never credited.
  recurse(t, x, phi, p, 0, 0, 0, 1, 1, -1);
}
