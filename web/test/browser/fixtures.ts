import { createHash } from 'node:crypto';
import type { ModelUpdate, ScoredTransaction } from '@fraud/schemas';

export function scored(
  txId: string,
  decision: ScoredTransaction['decision'],
  score: number,
  origin = 'C1001',
): ScoredTransaction {
  const now = Date.now();
  return {
    transaction: {
      txId,
      eventTime: now,
      type: 'TRANSFER',
      amount: 2_500_000,
      currency: 'XOF',
      originAccount: origin,
      originBalanceBefore: 2_500_000,
      destAccount: 'M2002',
      destBalanceBefore: 0,
      channel: 'app',
      attributes: {},
    },
    featureSet: 'v1',
    features: [2_500_000, 1, 0.4],
    score,
    decision,
    reviewThreshold: 0.5,
    blockThreshold: 0.9,
    modelVersion: 'v-new',
    reasons: [
      { feature: 'amountToBalance', value: 1, contribution: 2.4 },
      { feature: 'amount', value: 2_500_000, contribution: 1.1 },
    ],
    rulesFired: [],
    shadow: null,
    scoredAt: now,
    source: { partition: 0, offset: 1, publishedAt: now - 5 },
  };
}

/** Deterministic validation scores and labels (a small LCG), the evaluation data of the test model. */
export function validationData(n = 400): { scores: number[]; labels: number[] } {
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const fraud = rnd() < 0.15;
    const s = fraud ? 0.3 + 0.7 * rnd() : 0.75 * rnd() ** 2;
    scores.push(Math.round(s * 1000) / 1000);
    labels.push(fraud ? 1 : 0);
  }
  return { scores, labels };
}

export function modelUpdate(version: string, createdAt: number): ModelUpdate {
  const onnx = Buffer.from(`not a real onnx model: ${version}`);
  const metadata = {
    version,
    featureSet: 'v1',
    featureNames: ['amount', 'amountToBalance', 'hour'],
    thresholds: { review: 0.5, block: 0.9 },
    trainingWindow: { from: createdAt - 86_400_000, to: createdAt - 3_600_000 },
    metrics: { aucpr: 0.83, precision: 0.71, recall: 0.78, f1: 0.74 },
    confusionMatrix: { tp: 47, fp: 19, tn: 321, fn: 13 },
    featureImportance: { amountToBalance: 0.52, amount: 0.31, hour: 0.17 },
    featureSpec: {
      name: 'console-v1',
      version: 1,
      entities: { origin: 'originAccount' },
      features: [
        { name: 'amount', op: 'field', field: 'amount' },
        { name: 'amountToBalance', op: 'amountToBalance', balance: 'originBalanceBefore' },
        { name: 'hour', op: 'hourOfDay' },
      ],
    },
    featureSpecId: 'console-v1@1',
    featureSpecHash: 'c0ffee'.repeat(10) + 'c0ffee12',
    costCurve: [
      { threshold: 0.1, cost: 900 },
      { threshold: 0.5, cost: 420 },
      { threshold: 0.9, cost: 610 },
    ],
    validation: validationData(),
  };
  return {
    version,
    role: 'CHAMPION',
    createdAt,
    onnx,
    uri: null,
    sha256: createHash('sha256').update(onnx).digest('hex'),
    featureSet: 'v1',
    reviewThreshold: 0.5,
    blockThreshold: 0.9,
    metadataJson: JSON.stringify(metadata),
    modelJson: null,
  };
}

/** Precision/recall/review count by direct counting: the reference the page must agree with. */
export function expectedWhatIf(review: number, block: number) {
  const { scores, labels } = validationData();
  let tp = 0,
    fp = 0,
    reviews = 0;
  const positives = labels.filter((l) => l === 1).length;
  scores.forEach((s, i) => {
    if (s >= review) {
      if (labels[i] === 1) tp++;
      else fp++;
    }
    if (s >= review && s < block) reviews++;
  });
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  return {
    precision: pct(tp / (tp + fp)),
    recall: pct(tp / positives),
    reviewCount: String(reviews),
    reviewPer1000: ((reviews / scores.length) * 1000).toFixed(2),
  };
}
