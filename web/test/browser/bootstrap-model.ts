import type { ModelUpdate } from '@fraud/schemas';
import { modelUpdate } from './fixtures.ts';

/**
 * A model update whose metadata has the toolkit's shape, as `fraud start` publishes its bootstrap
 * champion (model/src/pipeline/train-metadata.ts): evaluations nested under their window, the
 * thresholds as chosen on the score grid (full float precision), importance as split gains.
 */
export function bootstrapStyleUpdate(version: string, createdAt: number): ModelUpdate {
  const flagged = (tp: number, fp: number, tn: number, fn: number) => ({ flagged: { tp, fp, tn, fn }, decisions: {} });
  const curve = (scale: number) =>
    [0.95, 0.8, 0.6, 0.4, 0.2, 0.05].map((threshold, i) => ({
      threshold,
      precision: 1 - i * 0.05 * scale,
      recall: 0.4 + i * 0.1,
    }));
  const metadata = {
    version,
    featureSet: 'fs-v2',
    featureNames: ['amountToBalance', 'originDrainRatio', 'destInflowCount1h', 'amount'],
    thresholds: { review: 0.21367521367521367, block: 0.9230769230769231 },
    metrics: {
      validation: { auprc: 0.91, flagged: { precision: 0.88, recall: 0.84 } },
      test: { auprc: 0.93, flagged: { precision: 0.9, recall: 0.86 } },
    },
    confusion: { validation: flagged(40, 6, 9000, 8), test: flagged(43, 5, 9100, 7) },
    prCurve: { validation: curve(1), test: curve(1.2) },
    costCurve: {
      review: [0.1, 0.2, 0.3, 0.5].map((threshold, i) => ({ threshold, cost: 900 - i * 150 })),
      block: [0.6, 0.8, 0.92].map((threshold, i) => ({ threshold, cost: 500 - i * 50 })),
      validationCost: 450,
      approveAllCost: 4000,
    },
    featureImportance: [
      { feature: 'amountToBalance', gain: 3_812_345.6789, meanAbsShap: 2.1 },
      { feature: 'originDrainRatio', gain: 1_204_567.1234, meanAbsShap: 1.2 },
      { feature: 'destInflowCount1h', gain: 604_321.5, meanAbsShap: 0.6 },
      { feature: 'amount', gain: 98_765.4321, meanAbsShap: 0.1 },
    ],
    trainingWindow: { from: createdAt - 86_400_000, to: createdAt - 3_600_000 },
    provenance: { source: 'simulator', seed: 42, rows: 200_000 },
  };
  return {
    ...modelUpdate(version, createdAt),
    featureSet: 'fs-v2',
    reviewThreshold: metadata.thresholds.review,
    blockThreshold: metadata.thresholds.block,
    metadataJson: JSON.stringify(metadata),
  };
}
