/**
 * Population stability index of `recent` against `reference`:
 *   PSI = sum over bins of (r - e) * ln(r / e)
 * with bins at the reference's quantiles (so each holds ~1/bins of the reference), NaN values
 * in a bin of their own, and proportions floored at 1e-4 so an empty bin does not give
 * infinity. Rule of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 large shift.
 */
export function psi(reference: ArrayLike<number>, recent: ArrayLike<number>, bins = 10): number {
  if (reference.length === 0 || recent.length === 0) return 0;
  const finiteRef = Array.from(reference)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const q = finiteRef[Math.min(finiteRef.length - 1, Math.floor((i * finiteRef.length) / bins))];
    if (q !== undefined && (edges.length === 0 || q > (edges[edges.length - 1] ?? -Infinity))) edges.push(q);
  }
  const ref = histogram(reference, edges);
  const cur = histogram(recent, edges);
  let total = 0;
  for (let b = 0; b < ref.length; b++) {
    const e = Math.max((ref[b] ?? 0) / reference.length, 1e-4);
    const r = Math.max((cur[b] ?? 0) / recent.length, 1e-4);
    total += (r - e) * Math.log(r / e);
  }
  return total;
}

/** Counts per bin: [NaN, (-inf, e0), [e0, e1), ..., [e_last, inf)]. */
function histogram(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) {
      counts[0] = (counts[0] ?? 0) + 1;
      continue;
    }
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v >= (edges[mid] ?? Infinity)) lo = mid + 1;
      else hi = mid;
    }
    counts[lo + 1] = (counts[lo + 1] ?? 0) + 1;
  }
  return counts;
}

/** Column `col` of a row-major matrix. */
export function column(data: Float32Array, cols: number, col: number): Float32Array {
  const rows = cols === 0 ? 0 : data.length / cols;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = data[r * cols + col] ?? Number.NaN;
  return out;
}
