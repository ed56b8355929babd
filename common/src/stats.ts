/** Nearest-rank percentile of an ascending sample: the element at floor(q * n); NaN when empty. */
export function sortedPercentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
