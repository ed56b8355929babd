/**
 * TreeSHAP with per-leaf precomputed tables: the same exact values as Algorithm 2 of Lundberg
 * et al. (tree-shap.ts), reorganised so a row costs O(nodes + leaves x depth) per tree instead
 * of O(leaves x depth^2) (the idea of "Fast TreeSHAP v2", Yang 2021).
 *
 * For a leaf with value v whose path has the unique features U (|U| = n), each feature j has a
 * zero fraction z_j (product of the cover ratios of its splits on the path: independent of the
 * row) and a one fraction o_j in {0, 1} (the row follows all its splits). With P the set of
 * features the row follows and w(s) = s!(n-s-1)!/n!, the leaf's Shapley values are
 *   phi_j = v (o_j - z_j) sum_{S subset of U\{j}} w(|S|) prod_{k in S} o_k prod_{k in U\S\{j}} z_k
 * Writing K(A) = v sum_{S subset of A} w(|S|) prod_{k in U\S} z_k for A subset of U, this is
 *   j not in P:  phi_j = -K(P)
 *   j in P:      phi_j = (1 - z_j) / z_j * K(P \ {j})
 * so K over all 2^n subsets is the whole table, and a row needs only its mask P per leaf.
 * Node ids grow from parent to child (XGBoost allocates children after their parent), so one
 * forward pass over the nodes computes every leaf's mask.
 */
import type { FlatTree } from '../xgboost/model-json.ts';

/**
 * Memory bound: a tree whose tables would hold more entries than this (depth > 7) falls back to
 * Algorithm 2. Depth 6 needs at most 64 leaves x 64 entries, i.e. 32 KiB per tree.
 */
export const MAX_TABLE_ENTRIES = 1 << 14;

export interface LeafTables {
  /** Bit of the node's split feature among the unique features of its root path. */
  nodeBit: Int32Array;
  leaves: Int32Array;
  /** Per leaf: number of unique path features, and offsets into features/ratios/table. */
  leafDepth: Int32Array;
  leafFeatureAt: Int32Array;
  leafTableAt: Int32Array;
  features: Int32Array;
  /** (1 - z) / z per (leaf, unique feature). */
  ratios: Float64Array;
  table: Float64Array;
}

function shapleyWeights(n: number): Float64Array {
  // w(s) = s! (n-s-1)! / n!
  const fact = [1];
  for (let i = 1; i <= n; i++) fact.push((fact[i - 1] ?? 1) * i);
  const w = new Float64Array(Math.max(n, 1));
  for (let s = 0; s < n; s++) w[s] = ((fact[s] ?? 1) * (fact[n - s - 1] ?? 1)) / (fact[n] ?? 1);
  return w;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

/** K(A) for every A subset of U (bit b = the b-th unique feature), scaled by the leaf value. */
function leafTable(z: number[], v: number): Float64Array {
  const n = z.length;
  const size = 1 << n;
  const full = size - 1;
  // zc[S] = prod_{k in U \ S} z_k, built from the full set downwards.
  const zc = new Float64Array(size);
  zc[full] = 1;
  for (let s = full - 1; s >= 0; s--) {
    let k = 0;
    while ((s >> k) & 1) k++;
    zc[s] = (zc[s | (1 << k)] ?? 0) * (z[k] ?? 0);
  }
  const w = shapleyWeights(n);
  const out = new Float64Array(size);
  for (let a = 0; a < size; a++) {
    // Every submask S of A, including the empty set.
    let sum = 0;
    for (let s = a; ; s = (s - 1) & a) {
      sum += (w[popcount(s)] ?? 0) * (zc[s] ?? 0);
      if (s === 0) break;
    }
    out[a] = v * sum;
  }
  return out;
}

/** Null when some path is too deep or a zero cover makes (1 - z) / z undefined. */
export function buildLeafTables(tree: FlatTree): LeafTables | null {
  const n = tree.nodes;
  const nodeBit = new Int32Array(n);
  const leaves: number[] = [];
  const leafDepth: number[] = [];
  const leafFeatureAt: number[] = [];
  const leafTableAt: number[] = [];
  const features: number[] = [];
  const ratios: number[] = [];
  const tables: Float64Array[] = [];
  let tableSize = 0;
  // Depth-first over root paths: pathFeatures[b] / pathZero[b] for the current path's unique features.
  const pathFeatures: number[] = [];
  const pathZero: number[] = [];
  let ok = true;
  const visit = (node: number): void => {
    if (!ok) return;
    const left = tree.left[node] ?? -1;
    if (left === -1) {
      const d = pathFeatures.length;
      if (tableSize + (1 << d) > MAX_TABLE_ENTRIES || pathZero.some((z) => !(z > 0))) {
        ok = false;
        return;
      }
      leaves.push(node);
      leafDepth.push(d);
      leafFeatureAt.push(features.length);
      leafTableAt.push(tableSize);
      for (let b = 0; b < d; b++) {
        features.push(pathFeatures[b] ?? 0);
        const z = pathZero[b] ?? 1;
        ratios.push((1 - z) / z);
      }
      const t = leafTable(pathZero, tree.value[node] ?? 0);
      tables.push(t);
      tableSize += t.length;
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
      pathZero[bit] = before * ((tree.cover[child] ?? 0) / cover);
      visit(child);
    }
    pathZero[bit] = before;
    if (isNew) {
      pathFeatures.pop();
      pathZero.pop();
    }
  };
  visit(0);
  if (!ok) return null;
  const table = new Float64Array(tableSize);
  let at = 0;
  for (const t of tables) {
    table.set(t, at);
    at += t.length;
  }
  return {
    nodeBit,
    leaves: Int32Array.from(leaves),
    leafDepth: Int32Array.from(leafDepth),
    leafFeatureAt: Int32Array.from(leafFeatureAt),
    leafTableAt: Int32Array.from(leafTableAt),
    features: Int32Array.from(features),
    ratios: Float64Array.from(ratios),
    table,
  };
}

/**
 * Adds one tree's SHAP values (without the bias) to phi. `unsat` is scratch of at least
 * tree.nodes entries: per node, the bits of path features whose split the row did not follow.
 */
export function leafTableShap(tree: FlatTree, lt: LeafTables, x: Float32Array, phi: Float64Array, unsat: Int32Array): void {
  // Hot loop: locals only, and `as number` instead of `?? 0` (indices are in range by construction).
  const left = tree.left;
  const right = tree.right;
  const feature = tree.feature;
  const threshold = tree.threshold;
  const defaultLeft = tree.defaultLeft;
  const nodeBit = lt.nodeBit;
  const nodes = tree.nodes;
  unsat[0] = 0;
  for (let i = 0; i < nodes; i++) {
    const l = left[i] as number;
    if (l < 0) continue;
    const v = x[feature[i] as number] as number;
    const goesLeft = v !== v ? defaultLeft[i] === 1 : v < (threshold[i] as number);
    const m = unsat[i] as number;
    const miss = m | (1 << (nodeBit[i] as number));
    unsat[l] = goesLeft ? m : miss;
    unsat[right[i] as number] = goesLeft ? miss : m;
  }
  const leaves = lt.leaves;
  const leafDepth = lt.leafDepth;
  const leafFeatureAt = lt.leafFeatureAt;
  const leafTableAt = lt.leafTableAt;
  const features = lt.features;
  const ratios = lt.ratios;
  const table = lt.table;
  const count = leaves.length;
  for (let k = 0; k < count; k++) {
    const d = leafDepth[k] as number;
    const fAt = leafFeatureAt[k] as number;
    const tAt = leafTableAt[k] as number;
    const p = ((1 << d) - 1) & ~(unsat[leaves[k] as number] as number);
    const kp = table[tAt + p] as number;
    for (let b = 0; b < d; b++) {
      const f = features[fAt + b] as number;
      if ((p >> b) & 1) phi[f] = (phi[f] as number) + (ratios[fAt + b] as number) * (table[tAt + (p ^ (1 << b))] as number);
      else phi[f] = (phi[f] as number) - kp;
    }
  }
}
