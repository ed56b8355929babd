import type { Label, ScoredTransaction } from '@fraud/schemas';

/** Synthetic scored records and labels for unit tests (no Kafka, no model). */
export function scored(
  txId: string,
  eventTime: number,
  features: number[],
  over: Partial<ScoredTransaction> = {},
): ScoredTransaction {
  return {
    transaction: {
      txId,
      eventTime,
      type: 'TRANSFER',
      amount: 10_000,
      currency: 'USD',
      originAccount: `C${txId}`,
      originBalanceBefore: 10_000,
      destAccount: 'C2',
      destBalanceBefore: 0,
      channel: null,
      attributes: {},
    },
    featureSet: 'fs-test',
    features,
    score: 0.1,
    decision: 'APPROVE',
    reviewThreshold: 0.5,
    blockThreshold: 0.9,
    modelVersion: 'm0',
    reasons: [],
    rulesFired: [],
    shadow: null,
    scoredAt: eventTime + 5,
    source: null,
    ...over,
  };
}

export function label(txId: string, isFraud: boolean, labeledAt = 1_000, typology: string | null = null): Label {
  return { txId, isFraud, source: 'SIMULATION', labeledAt, note: null, typology, author: null };
}

/**
 * The retrain policy of the tests that train for real on the synthetic data: small enough to train in
 * seconds (60 rounds of depth 4), strict enough that a model fit to shuffled labels loses.
 */
export const QUICK_TRAINING = {
  minTrainingRows: 500,
  minTrainingPositives: 20,
  labelDelayGapHours: 1,
  xgboost: { rounds: 60, earlyStoppingRounds: 15, maxDepth: 4, eta: 0.2 },
  promotion: { metric: 'aucpr', margin: 0.01, maxFprIncrease: 0.02 },
} as const;
