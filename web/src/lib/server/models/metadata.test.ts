import { describe, expect, it } from 'vitest';
import { evaluationFromMetadata, modelViewFromMetadata } from './metadata.ts';
import { whatIf } from '../../what-if.ts';

const base = { version: 'v1', role: 'CHAMPION', createdAt: 1, sources: ['model-updates'], promotable: true };

describe('model metadata', () => {
  it('prefers raw validation scores (exact what-if)', () => {
    const curve = evaluationFromMetadata({ validation: { scores: [0.9, 0.2, 0.7], labels: [1, 0, 0] } });
    expect(curve?.positives).toBe(1);
    expect(curve?.negatives).toBe(2);
    expect(whatIf(curve!, 0.5, 0.8).precision).toBe(0.5);
  });

  it('reads curve points with counts, and recovers counts from precision/recall', () => {
    const withCounts = evaluationFromMetadata({
      prCurve: [
        { threshold: 0.5, tp: 8, fp: 2 },
        { threshold: 0.9, tp: 5, fp: 0 },
      ],
      positives: 10,
      negatives: 990,
    });
    expect(withCounts?.points.map((p) => p.threshold)).toEqual([0.9, 0.5]);
    expect(whatIf(withCounts!, 0.5, 0.9).recall).toBe(0.8);
    const ratios = evaluationFromMetadata({
      prCurve: [{ threshold: 0.5, precision: 0.8, recall: 0.8 }],
      positives: 10,
      negatives: 990,
    });
    expect(ratios?.points[0]).toEqual({ threshold: 0.5, tp: 8, fp: 2 });
    expect(evaluationFromMetadata({ prCurve: [{ threshold: 0.5, precision: 0.8, recall: 0.8 }] })).toBeNull();
  });

  it('normalises metrics, thresholds, confusion matrix and feature importance', () => {
    const view = modelViewFromMetadata(
      {
        featureNames: ['amount', 'hour'],
        featureSet: 'v1',
        thresholds: { review: 0.4, block: 0.9 },
        metrics: { aucpr: 0.81, recall: 0.7, note: 'x' },
        confusionMatrix: { tp: 7, fp: 3, tn: 980, fn: 10 },
        featureImportance: { amount: 3, hour: 9 },
        trainingWindow: { from: '2026-01-01T00:00:00Z', to: 1767312000000 },
      },
      base,
    );
    expect(view.metrics).toEqual({ aucpr: 0.81, recall: 0.7 });
    expect(view.thresholds).toEqual({ review: 0.4, block: 0.9 });
    expect(view.confusion).toEqual({ tp: 7, fp: 3, tn: 980, fn: 10 });
    expect(view.featureImportance.map((f) => f.feature)).toEqual(['hour', 'amount']);
    expect(view.trainingWindow).toEqual({ from: Date.parse('2026-01-01T00:00:00Z'), to: 1767312000000 });
    expect(view.evaluation).toBeNull();
  });

  it('reads the feature spec: name@version, hash, entities, features grouped by kind; none without one', () => {
    const featureSpec = {
      name: 'payments-v1',
      version: 1,
      entities: { card: 'originAccount', terminal: 'terminalId' },
      features: [
        { name: 'amount', op: 'field', field: 'amount' },
        { name: 'hour', op: 'hourOfDay' },
        { name: 'card_count_1d', op: 'count', entity: 'card', window: '1d' },
        { name: 'terminal_fraud_rate_7d', op: 'fraudRate', entity: 'terminal', window: '7d' },
        { name: 'card_sum_7d', op: 'sum', entity: 'card', window: '7d' },
      ],
    };
    const view = modelViewFromMetadata({ featureSpec, featureSpecHash: 'ab12', featureSet: 'payments-v1' }, base);
    expect(view.spec).toMatchObject({
      id: 'payments-v1@1',
      hash: 'ab12',
      entities: [
        { name: 'card', field: 'originAccount' },
        { name: 'terminal', field: 'terminalId' },
      ],
    });
    expect(view.spec?.groups.map((g) => [g.kind, g.features.map((f) => f.name)])).toEqual([
      ['transaction', ['amount']],
      ['time', ['hour']],
      ['history of card (originAccount)', ['card_count_1d', 'card_sum_7d']],
      ['labels of terminal (terminalId)', ['terminal_fraud_rate_7d']],
    ]);
    expect(view.spec?.groups[3]?.features[0]?.detail).toBe('fraudRate 7d');
    expect(modelViewFromMetadata({ featureSet: 'fs-v2' }, base).spec).toBeNull();
  });

  it("reads the toolkit's nested evaluation (a bootstrap model's metadata.json)", () => {
    const flagged = { tp: 40, fp: 4, tn: 9000, fn: 6 };
    const pr = [
      { threshold: 0.9, precision: 1, recall: 0.5 },
      { threshold: 0.2, precision: 0.9, recall: 0.87 },
    ];
    const view = modelViewFromMetadata(
      {
        thresholds: { review: 0.21367521367521367, block: 0.9230769230769231 },
        metrics: { validation: { auprc: 0.5 }, test: { auprc: 0.93, flagged: { precision: 0.91, recall: 0.87 } } },
        confusion: { validation: { flagged: { tp: 1, fp: 1, tn: 1, fn: 1 } }, test: { flagged, decisions: {} } },
        prCurve: { validation: [], test: pr },
        costCurve: { review: [{ threshold: 0.2, cost: 120 }], block: [{ threshold: 0.9, cost: 80 }] },
        featureImportance: [
          { feature: 'amountToBalance', gain: 3_000_000, meanAbsShap: 2 },
          { feature: 'amount', gain: 1_000_000, meanAbsShap: 1 },
        ],
      },
      base,
    );
    expect(view.confusion).toEqual(flagged);
    expect(view.prCurve).toEqual(pr);
    expect(view.costCurve).toEqual([{ threshold: 0.2, cost: 120 }]);
    expect(view.metrics).toMatchObject({ auprc: 0.93, precision: 0.91, recall: 0.87 });
    expect(view.featureImportance).toEqual([
      { feature: 'amountToBalance', importance: 0.75 },
      { feature: 'amount', importance: 0.25 },
    ]);
  });
});
