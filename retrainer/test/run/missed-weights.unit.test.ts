import { describe, expect, it } from 'vitest';
import type { LabelledRows } from '../../src/store/index.ts';
import { missedFraudWeights } from '../../src/run/retrain-run.ts';

const rows = (labels: number[], scores: number[], review: number[]): LabelledRows => ({
  txIds: labels.map((_, i) => `t${i}`),
  eventTime: Float64Array.from(labels, (_, i) => i),
  features: new Float32Array(labels.length),
  cols: 1,
  labels: Float32Array.from(labels),
  amount: new Float64Array(labels.length),
  txType: labels.map(() => 'TRANSFER'),
  typology: labels.map(() => null),
  score: Float64Array.from(scores),
  modelVersion: labels.map(() => 'v1'),
  reviewThreshold: Float64Array.from(review),
  shadowScore: labels.map(() => null),
  shadowVersion: labels.map(() => null),
});

describe('missed-fraud weights', () => {
  it('weights only frauds scored below the threshold they were decided with, in training-index order', () => {
    //            fraud missed, fraud caught, legit low, fraud missed (other threshold), legit high
    const r = rows([1, 1, 0, 1, 0], [0.1, 0.9, 0.05, 0.5, 0.99], [0.3, 0.3, 0.3, 0.6, 0.3]);
    const w = missedFraudWeights(r, [4, 3, 2, 1, 0], 8);
    expect(w?.missed).toBe(2);
    expect(Array.from(w!.weights)).toEqual([1, 8, 1, 1, 8]);
  });
  it('is off at weight 1 and when nothing was missed', () => {
    const r = rows([1, 0], [0.9, 0.1], [0.3, 0.3]);
    expect(missedFraudWeights(r, [0, 1], 1)).toBeUndefined();
    expect(missedFraudWeights(r, [0, 1], 5)).toBeUndefined();
  });
});
