import type { ScoredTransaction } from '@fraud/schemas';

/** A scored record as the scorer emits it (test fixture). */
export function scoredFixture(over: {
  txId: string;
  decision?: ScoredTransaction['decision'];
  score?: number;
  origin?: string;
  eventTime?: number;
}): ScoredTransaction {
  return {
    transaction: {
      txId: over.txId,
      eventTime: over.eventTime ?? Date.now(),
      type: 'TRANSFER',
      amount: 1_250_000,
      currency: 'XOF',
      originAccount: over.origin ?? 'C100',
      originBalanceBefore: 1_250_000,
      destAccount: 'C999',
      destBalanceBefore: 0,
      channel: null,
      attributes: {},
    },
    featureSet: 'v1',
    features: [1, 2, 3],
    score: over.score ?? 0.93,
    decision: over.decision ?? 'BLOCK',
    reviewThreshold: 0.5,
    blockThreshold: 0.9,
    modelVersion: 'm-test',
    reasons: [{ feature: 'amountToBalance', value: 1, contribution: 2.1 }],
    rulesFired: [],
    shadow: null,
    scoredAt: Date.now(),
    source: null,
  };
}
