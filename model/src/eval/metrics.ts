/**
 * Ranking and classification metrics with optional sample weights. Weights let a file whose
 * fraud was over-sampled report precision at the true fraud rate (weight the negatives by
 * true-negatives-per-sampled-negative). A row is predicted positive when score >= threshold.
 */
export type Scores = ArrayLike<number>;
export type Labels = ArrayLike<number>;

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ClassMetrics extends Confusion {
  precision: number;
  recall: number;
  f1: number;
  specificity: number;
  /** false positive rate = 1 - specificity */
  fpr: number;
}

export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

const w = (weights: Scores | undefined, i: number): number => (weights === undefined ? 1 : (weights[i] ?? 0));
const isPos = (labels: Labels, i: number): boolean => (labels[i] ?? 0) > 0.5;

/** Weighted count of positives and negatives. */
export function classTotals(labels: Labels, weights?: Scores): { positives: number; negatives: number } {
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < labels.length; i++) {
    if (isPos(labels, i)) positives += w(weights, i);
    else negatives += w(weights, i);
  }
  return { positives, negatives };
}

export function confusionAt(scores: Scores, labels: Labels, threshold: number, weights?: Scores): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const flagged = (scores[i] ?? 0) >= threshold;
    const wt = w(weights, i);
    if (isPos(labels, i)) {
      if (flagged) c.tp += wt;
      else c.fn += wt;
    } else if (flagged) c.fp += wt;
    else c.tn += wt;
  }
  return c;
}

/** Precision is NaN when nothing is flagged; recall NaN when there are no positives. */
export function metricsOf(c: Confusion): ClassMetrics {
  const precision = c.tp + c.fp === 0 ? NaN : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? NaN : c.tp / (c.tp + c.fn);
  const f1 =
    precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : precision === 0 && recall === 0
        ? 0
        : NaN;
  const specificity = c.tn + c.fp === 0 ? NaN : c.tn / (c.tn + c.fp);
  return { ...c, precision, recall, f1, specificity, fpr: 1 - specificity };
}

/** Indices sorted by descending score (ties keep input order; they are grouped later anyway). */
function descending(scores: Scores): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
}

/**
 * Walks thresholds from the highest score down, one step per distinct score, calling
 * `visit(threshold, tp, fp)` with weighted counts of rows whose score >= threshold.
 */
function sweep(
  scores: Scores,
  labels: Labels,
  weights: Scores | undefined,
  visit: (threshold: number, tp: number, fp: number) => void,
): void {
  const order = descending(scores);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length;) {
    const s = scores[order[k] ?? 0] ?? 0;
    while (k < order.length && (scores[order[k] ?? 0] ?? 0) === s) {
      const i = order[k] ?? 0;
      if (isPos(labels, i)) tp += w(weights, i);
      else fp += w(weights, i);
      k++;
    }
    visit(s, tp, fp);
  }
}

/**
 * Average precision (the step-wise area under the PR curve, as scikit-learn computes it):
 * sum over distinct thresholds of (recall_k - recall_{k-1}) * precision_k. NaN without positives.
 */
export function averagePrecision(scores: Scores, labels: Labels, weights?: Scores): number {
  const { positives } = classTotals(labels, weights);
  if (positives === 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  sweep(scores, labels, weights, (_t, tp, fp) => {
    const recall = tp / positives;
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  });
  return ap;
}

/** PR curve points (one per distinct score), thinned to at most maxPoints evenly by recall. */
export function prCurve(scores: Scores, labels: Labels, weights?: Scores, maxPoints = 200): PrPoint[] {
  const { positives } = classTotals(labels, weights);
  if (positives === 0) return [];
  const all: PrPoint[] = [];
  sweep(scores, labels, weights, (threshold, tp, fp) => {
    all.push({ threshold, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp / positives });
  });
  if (all.length <= maxPoints) return all;
  const out: PrPoint[] = [];
  let nextRecall = -1;
  const step = 1 / (maxPoints - 2);
  for (const [i, p] of all.entries()) {
    if (i === 0 || i === all.length - 1 || p.recall >= nextRecall) {
      out.push(p);
      nextRecall = p.recall + step;
    }
  }
  return out;
}

/** Negative weight that makes the weighted fraud rate equal `trueRate` (for over-sampled files). */
export function negativeWeightForRate(labels: Labels, trueRate: number): number {
  if (!(trueRate > 0 && trueRate < 1)) throw new RangeError(`true fraud rate must be in (0, 1), got ${trueRate}`);
  const { positives, negatives } = classTotals(labels);
  if (positives === 0 || negatives === 0) return 1;
  return (positives * (1 - trueRate)) / (trueRate * negatives);
}

/** Per-row weights: 1 for fraud rows, negWeight for legitimate rows. */
export function weightsFor(labels: Labels, negWeight: number): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = isPos(labels, i) ? 1 : negWeight;
  return out;
}
