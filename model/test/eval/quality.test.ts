import { describe, expect, it } from 'vitest';
import { seededRandom } from '@fraud/common/testing';
import { trainParams } from '../../src/xgboost/params.ts';
import { dropColumns, rowsIn, runQuality, splitBackFrom, testMetrics } from '../../src/eval/index.ts';

const DAY = 86_400_000;

describe('quality protocol pieces', () => {
  it('splits back from the end: test last, the delay before it, train before that', () => {
    const s = splitBackFrom(21 * DAY, { train: 7 * DAY, delay: 7 * DAY, test: 7 * DAY });
    expect(s).toEqual({ train: { from: 0, to: 7 * DAY }, test: { from: 14 * DAY, to: 21 * DAY } });
    expect(rowsIn([0, 7 * DAY - 1, 7 * DAY, 14 * DAY, 21 * DAY], s.train)).toEqual([0, 1]);
    expect(rowsIn([0, 7 * DAY - 1, 7 * DAY, 14 * DAY, 21 * DAY], s.test)).toEqual([3]);
  });

  it('drops the named columns and keeps the others in order', () => {
    const m = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
    const d = dropColumns(m, ['a', 'risk', 'c'], ['risk']);
    expect(d.cols).toBe(2);
    expect(Array.from(d.data)).toEqual([1, 3, 4, 6]);
  });

  it('test metrics: weights reach AUPRC and the review budget, not Card Precision', () => {
    const scores = [0.9, 0.8, 0.7, 0.6];
    const labels = [1, 0, 1, 0];
    const base = { scores, labels, cards: ['A', 'B', 'C', 'D'], eventTimes: [0, 0, DAY, DAY] };
    const m = testMetrics(base);
    expect(m.auprc).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(m.roc_auc).toBeCloseTo(0.75, 12);
    // two days, one fraud card each among fewer than 100 cards: 1/100 per day
    expect(m.cp_at_100_per_day).toBeCloseTo(0.01, 12);
    expect(m.cp_days).toBe(2);
    // 1% of 4 rows is 0.04 of the 0.9 fraud row: 0.02 of the fraud
    expect(m.recall_at_1pct_review).toBeCloseTo(0.02, 12);
    expect(m.recall_at_1pct_review_ceiling).toBeCloseTo(0.02, 12);
    expect(testMetrics({ ...base, scores: [0, 0, 0, 0] }).recall_at_1pct_review_ceiling).toBeCloseTo(0.02, 12);
    const w = testMetrics({ ...base, negativeWeight: 2 });
    expect(w.auprc).toBeCloseTo(0.5 + 0.5 * 0.5, 12);
    expect(w.cp_at_100_per_day).toBe(m.cp_at_100_per_day);
    // 1% of weight 6 is 0.06 of the weight-1 fraud row at the top
    expect(w.recall_at_1pct_review).toBeCloseTo(0.03, 12);
  });
});

describe('runQuality', () => {
  // 21 days of rows; column "label_risk" carries the fraud signal, "noise" none
  function dataset(rows: number): Parameters<typeof runQuality>[0] {
    const rand = seededRandom(7);
    const eventTimes = Float64Array.from({ length: rows }, (_, i) => Math.floor((i / rows) * 21 * DAY));
    const labels = Float32Array.from({ length: rows }, () => (rand() < 0.08 ? 1 : 0));
    const data = new Float32Array(rows * 2);
    labels.forEach((l, i) => {
      data[i * 2] = rand();
      data[i * 2 + 1] = l + rand() * 0.5;
    });
    return {
      eventTimes,
      labels,
      cards: Array.from({ length: rows }, (_, i) => `card-${i % 300}`),
      features: { data, rows, cols: 2 },
      featureNames: ['noise', 'label_risk'],
      labelFeatures: ['label_risk'],
    };
  }
  const split = splitBackFrom(21 * DAY, { train: 7 * DAY, delay: 7 * DAY, test: 7 * DAY });
  const params = trainParams({ rounds: 10, maxDepth: 3, eta: 0.3 });

  it('measures the model with and without the label features on the same rows', async () => {
    const stages = new Set<string>();
    const r = await runQuality(dataset(3000), split, params, (model, stage) => stages.add(`${model}/${stage}`));
    expect(r.rows.train + r.rows.test).toBeLessThan(3000); // the delay's rows are in neither
    expect(r.rows.train).toBeGreaterThan(900);
    expect(r.frauds.test).toBeGreaterThan(0);
    expect(r.split.delay).toEqual({ from: new Date(7 * DAY).toISOString(), to: new Date(14 * DAY).toISOString() });
    expect(r.label_features).toEqual(['label_risk']);
    expect(r.models.with_label_features.features).toBe(2);
    expect(r.models.without_label_features.features).toBe(1);
    expect(r.models.with_label_features.auprc).toBeGreaterThan(0.9);
    expect(r.models.without_label_features.auprc).toBeLessThan(0.3);
    expect(r.models.with_label_features.top_features[0]?.feature).toBe('label_risk');
    expect(r.models.without_label_features.top_features.map((f) => f.feature)).toEqual(['noise']);
    expect([...stages].sort()).toEqual([
      'with label features/score',
      'with label features/train',
      'without label features/score',
      'without label features/train',
    ]);
  });

  it('refuses a split whose test window holds no fraud', async () => {
    const d = dataset(3000);
    const labels = Float32Array.from(d.labels, (l, i) => ((d.eventTimes[i] ?? 0) >= 14 * DAY ? 0 : l));
    await expect(runQuality({ ...d, labels }, split, params)).rejects.toThrow(/widen the windows/);
  });
});
