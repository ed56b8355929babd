import { chooseThresholds, type Costs } from '@fraud/model';

export type ThresholdChooser = (q: {
  scores: Float32Array;
  labels: Float32Array;
  amounts: Float64Array;
  costs: Costs;
  maxReviewRate: number;
  maxBlockRate: number;
}) => { review: number; block: number };

/** The toolkit's expected-cost threshold choice on validation scores, under the review-rate cap. */
export const toolkitThresholds: ThresholdChooser = (q) =>
  chooseThresholds({
    scores: q.scores,
    labels: q.labels,
    amountsMinor: q.amounts,
    costs: q.costs,
    maxReviewRate: q.maxReviewRate,
    maxBlockRate: q.maxBlockRate,
  }).thresholds;
