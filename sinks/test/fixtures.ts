import type { Decision, Label, ScoredTransaction, TransactionType } from '@fraud/schemas';
import { TRANSACTION_TYPES } from '@fraud/schemas';

/** Deterministic sample records: record i of a run tagged `tag`. */
export function scoredRecord(tag: string, i: number, over: Partial<ScoredTransaction> = {}): ScoredTransaction {
  const type: TransactionType = TRANSACTION_TYPES[i % TRANSACTION_TYPES.length]!;
  const score = ((i * 37) % 100) / 100;
  const decision: Decision = score >= 0.9 ? 'BLOCK' : score >= 0.7 ? 'REVIEW' : 'APPROVE';
  const eventTime = Date.UTC(2026, 10, 25, 10) + i * 1000;
  return {
    transaction: {
      txId: `${tag}-tx-${i}`,
      eventTime,
      type,
      amount: 1000 + i * 10,
      currency: 'USD',
      originAccount: `C${tag}-${i % 17}`,
      originBalanceBefore: 50_000 + i,
      destAccount: `M${tag}-${i % 5}`,
      destBalanceBefore: 10_000,
      channel: i % 2 ? 'app' : null,
      attributes: { seq: String(i) },
    },
    featureSet: 'fs-v1',
    features: [i, score, 0.5, type === 'TRANSFER' ? 1 : 0],
    score,
    decision,
    reviewThreshold: 0.7,
    blockThreshold: 0.9,
    modelVersion: 'm-1',
    reasons: decision === 'APPROVE' ? [] : [{ feature: 'amount', value: 1000 + i * 10, contribution: 0.8 }],
    rulesFired: decision === 'BLOCK' ? ['high-score'] : [],
    shadow: i % 3 === 0 ? { modelVersion: 'm-2', score: score / 2, decision: 'APPROVE' } : null,
    scoredAt: eventTime + 40,
    source: { partition: i % 3, offset: i, publishedAt: eventTime + 5 },
    ...over,
  };
}

export function labelRecord(tag: string, i: number, isFraud: boolean, over: Partial<Label> = {}): Label {
  return {
    txId: `${tag}-tx-${i}`,
    isFraud,
    source: 'SIMULATION',
    labeledAt: Date.UTC(2026, 10, 25, 10) + i * 1000 + 3_600_000,
    note: null,
    typology: isFraud ? 'account-takeover' : null,
    author: null,
    ...over,
  };
}
