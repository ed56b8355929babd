import type { ScoredTransaction } from '@fraud/schemas';

/**
 * A scored record's transaction and decision as flat columns: the part the warehouse's `scored`
 * row and the live feed's payload share, so both name every field the same way.
 */
export function scoredColumns(s: ScoredTransaction) {
  const t = s.transaction;
  return {
    txId: t.txId,
    eventTime: t.eventTime,
    type: t.type,
    amount: t.amount,
    currency: t.currency,
    originAccount: t.originAccount,
    originBalanceBefore: t.originBalanceBefore ?? null,
    destAccount: t.destAccount,
    destBalanceBefore: t.destBalanceBefore ?? null,
    channel: t.channel ?? null,
    typeName: t.typeName ?? null,
    merchantId: t.merchantId ?? null,
    merchantCategory: t.merchantCategory ?? null,
    terminalId: t.terminalId ?? null,
    country: t.country ?? null,
    deviceId: t.deviceId ?? null,
    featureSet: s.featureSet,
    score: s.score,
    decision: s.decision,
    reviewThreshold: s.reviewThreshold,
    blockThreshold: s.blockThreshold,
    modelVersion: s.modelVersion,
    rulesFired: s.rulesFired,
    ruleSetVersion: s.ruleSetVersion ?? null,
    shadowModelVersion: s.shadow?.modelVersion ?? null,
    shadowScore: s.shadow?.score ?? null,
    shadowDecision: s.shadow?.decision ?? null,
    scoredAt: s.scoredAt,
  };
}
