import { classTotals } from '../eval/metrics.ts';

/**
 * The single threshold that maximises (weighted) F1 on validation data: not the production
 * policy (that is cost-based, see thresholds.ts) but the usual point for comparing models.
 * Returned as the midpoint between the chosen score and the next lower distinct score.
 */
export function chooseF1Threshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): { threshold: number; f1: number } {
  const { positives } = classTotals(labels, weights);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  let tp = 0;
  let fp = 0;
  let best = { threshold: 1.000001, f1: 0 };
  for (let k = 0; k < order.length;) {
    const s = scores[order[k] ?? 0] ?? 0;
    while (k < order.length && (scores[order[k] ?? 0] ?? 0) === s) {
      const i = order[k] ?? 0;
      const wt = weights?.[i] ?? 1;
      if ((labels[i] ?? 0) > 0.5) tp += wt;
      else fp += wt;
      k++;
    }
    const f1 = positives === 0 ? 0 : (2 * tp) / (tp + fp + positives);
    if (f1 > best.f1) {
      const next = k < order.length ? (scores[order[k] ?? 0] ?? 0) : 0;
      best = { threshold: (s + next) / 2, f1 };
    }
  }
  return best;
}
