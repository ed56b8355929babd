/**
 * TreeSHAP leaf by leaf: the same exact values as Algorithm 2 of Lundberg et al. (tree-shap.ts)
 * without its recursion. A row costs one forward pass over the nodes plus O(d^2) per leaf, over
 * small arrays read in order (cache-friendly on a busy machine).
 *
 * For a leaf with value v whose path has the unique features U (|U| = d), feature j has a zero
 * fraction z_j (product of the cover ratios of its splits on the path; the row does not matter)
 * and a one fraction o_j in {0, 1} (the row follows all of its splits). With P the features the
 * row follows, Zout = prod_{k in U\P} z_k, w(s) = s!(d-s-1)!/d! and the polynomials
 *   E(t) = prod_{k in P} (z_k + t),   Q_j(t) = E(t) / (z_j + t),
 * the leaf's Shapley values are
 *   j in P:      phi_j =  v (1 - z_j) Zout sum_s w(s) [t^s] Q_j
 *   j not in P:  phi_j = -v Zout sum_s w(s) [t^s] E
 * Node ids grow from parent to child (XGBoost allocates children after their parent), so one
 * forward pass over the nodes finds, for every leaf, the path features the row did not follow.
 */
import type { FlatTree } from '../xgboost/model-json.ts';

export interface LeafPaths {
  /** Bit of the node's split feature among the unique features of its root path. */
  nodeBit: Int32Array;
  leaves: Int32Array;
  leafValue: Float64Array;
  /** Per leaf: number of unique path features and the offset of their features / zero fractions. */
  leafDepth: Int32Array;
  leafAt: Int32Array;
  features: Int32Array;
  zero: Float64Array;
  maxDepth: number;
}

/** w[d][s] = s!(d-s-1)!/d! for d up to maxDepth, flattened at d * (maxDepth + 1). */
export function shapleyWeights(maxDepth: number): Float64Array {
  const fact = [1];
  for (let i = 1; i <= maxDepth; i++) fact.push((fact[i - 1] ?? 1) * i);
  const w = new Float64Array((maxDepth + 1) * (maxDepth + 1));
  for (let d = 1; d <= maxDepth; d++) {
    for (let s = 0; s < d; s++) w[d * (maxDepth + 1) + s] = ((fact[s] ?? 1) * (fact[d - s - 1] ?? 1)) / (fact[d] ?? 1);
  }
  return w;
}

export function buildLeafPaths(tree: FlatTree): LeafPaths {
  const nodeBit = new Int32Array(tree.nodes);
  const leaves: number[] = [];
  const leafValue: number[] = [];
  const leafDepth: number[] = [];
  const leafAt: number[] = [];
  const features: number[] = [];
  const zero: number[] = [];
  const pathFeatures: number[] = [];
  const pathZero: number[] = [];
  let maxDepth = 0;
  const visit = (node: number): void => {
    const left = tree.left[node] ?? -1;
    if (left === -1) {
      leaves.push(node);
      leafValue.push(tree.value[node] ?? 0);
      leafDepth.push(pathFeatures.length);
      leafAt.push(features.length);
      features.push(...pathFeatures);
      zero.push(...pathZero);
      maxDepth = Math.max(maxDepth, pathFeatures.length);
      return;
    }
    const f = tree.feature[node] ?? 0;
    let bit = pathFeatures.indexOf(f);
    const isNew = bit === -1;
    if (isNew) {
      bit = pathFeatures.length;
      pathFeatures.push(f);
      pathZero.push(1);
    }
    nodeBit[node] = bit;
    const cover = tree.cover[node] ?? 0;
    const before = pathZero[bit] ?? 1;
    for (const child of [left, tree.right[node] ?? -1]) {
      pathZero[bit] = cover > 0 ? before * ((tree.cover[child] ?? 0) / cover) : 0;
      visit(child);
    }
    pathZero[bit] = before;
    if (isNew) {
      pathFeatures.pop();
      pathZero.pop();
    }
  };
  visit(0);
  return {
    nodeBit,
    leaves: Int32Array.from(leaves),
    leafValue: Float64Array.from(leafValue),
    leafDepth: Int32Array.from(leafDepth),
    leafAt: Int32Array.from(leafAt),
    features: Int32Array.from(features),
    zero: Float64Array.from(zero),
    maxDepth,
  };
}

/** Scratch shared by all trees of a model: node masks and polynomial coefficients. */
export class LeafScratch {
  readonly unsat: Int32Array;
  readonly poly: Float64Array;
  readonly weights: Float64Array;
  readonly stride: number;

  constructor(maxNodes: number, maxDepth: number) {
    this.unsat = new Int32Array(Math.max(maxNodes, 1));
    this.poly = new Float64Array(maxDepth + 2);
    this.weights = shapleyWeights(maxDepth);
    this.stride = maxDepth + 1;
  }
}

/** Adds one tree's SHAP values (without the bias) to phi. */
export function leafPathShap(tree: FlatTree, lp: LeafPaths, x: Float32Array, phi: Float64Array, s: LeafScratch): void {
  // Hot loop: locals only, and `as number` instead of `?? 0` (indices are in range by construction).
  const { left, right, feature, threshold, defaultLeft } = tree;
  const nodeBit = lp.nodeBit;
  const unsat = s.unsat;
  unsat[0] = 0;
  for (let i = 0; i < tree.nodes; i++) {
    const l = left[i] as number;
    if (l < 0) continue;
    const v = x[feature[i] as number] as number;
    const goesLeft = v !== v ? defaultLeft[i] === 1 : v < (threshold[i] as number);
    const m = unsat[i] as number;
    const miss = m | (1 << (nodeBit[i] as number));
    unsat[l] = goesLeft ? m : miss;
    unsat[right[i] as number] = goesLeft ? miss : m;
  }
  const { leaves, leafValue, leafDepth, leafAt, features, zero } = lp;
  const e = s.poly;
  const w = s.weights;
  const stride = s.stride;
  for (let k = 0; k < leaves.length; k++) {
    const d = leafDepth[k] as number;
    if (d === 0) continue;
    const at = leafAt[k] as number;
    const notFollowed = unsat[leaves[k] as number] as number;
    // E(t) over the followed features, Zout over the others.
    let zout = 1;
    let p = 0;
    e[0] = 1;
    for (let b = 0; b < d; b++) {
      const z = zero[at + b] as number;
      if ((notFollowed >> b) & 1) {
        zout *= z;
        continue;
      }
      e[p + 1] = 0;
      for (let c = p + 1; c > 0; c--) e[c] = (e[c] as number) * z + (e[c - 1] as number);
      e[0] = (e[0] as number) * z;
      p++;
    }
    const scale = (leafValue[k] as number) * zout;
    const wAt = d * stride;
    let outside = 0;
    if (p < d) {
      for (let c = 0; c <= p; c++) outside += (w[wAt + c] as number) * (e[c] as number);
      outside *= -scale;
    }
    for (let b = 0; b < d; b++) {
      const f = features[at + b] as number;
      if ((notFollowed >> b) & 1) {
        phi[f] = (phi[f] as number) + outside;
        continue;
      }
      // Q = E / (t + z_b) by synthetic division from the top coefficient.
      const z = zero[at + b] as number;
      let q = e[p] as number;
      let sum = (w[wAt + p - 1] as number) * q;
      for (let c = p - 1; c > 0; c--) {
        q = (e[c] as number) - z * q;
        sum += (w[wAt + c - 1] as number) * q;
      }
      phi[f] = (phi[f] as number) + scale * (1 - z) * sum;
    }
  }
}
