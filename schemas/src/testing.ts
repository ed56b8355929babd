import type { Label, ModelUpdate, ScoredTransaction, Transaction } from './types.ts';

/**
 * `@fraud/schemas/testing`: one hand-made, valid record of each type, for the tests of every
 * package (override what a test is about). Test code only: nothing here runs in a service.
 */
/** The v2 fields a PaySim record leaves null, as a decoded record carries them. */
const NO_CARD_FIELDS = {
  typeName: null,
  merchantId: null,
  merchantCategory: null,
  terminalId: null,
  country: null,
  deviceId: null,
} as const satisfies Partial<Transaction>;

export function sampleTransaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    txId: 'tx-000001',
    eventTime: Date.UTC(2026, 10, 25, 9, 30),
    type: 'CASH_OUT',
    amount: 229_133_94,
    currency: 'USD',
    originAccount: 'C840083671',
    originBalanceBefore: 229_133_94,
    destAccount: 'C38997010',
    destBalanceBefore: 2_118_200,
    channel: null,
    ...NO_CARD_FIELDS,
    attributes: {},
    ...overrides,
  };
}

export function sampleScored(): ScoredTransaction {
  return {
    transaction: sampleTransaction({ channel: 'USSD', attributes: { agent: 'A-17' } }),
    featureSet: 'fs-v1',
    features: [1.5, 0, -2.25, 1e6],
    score: 0.9731,
    decision: 'BLOCK',
    reviewThreshold: 0.4,
    blockThreshold: 0.9,
    modelVersion: 'xgb-2026-11-25.1',
    reasons: [{ feature: 'amount_to_balance', value: 1, contribution: 2.71 }],
    rulesFired: ['drain-then-cash-out'],
    shadow: { modelVersion: 'xgb-2026-11-25.2', score: 0.88, decision: 'REVIEW' },
    scoredAt: Date.UTC(2026, 10, 25, 9, 30, 0, 12),
    source: { partition: 3, offset: 1_234_567, publishedAt: Date.UTC(2026, 10, 25, 9, 30) },
  };
}

export function sampleLabel(): Label {
  return {
    txId: 'tx-000001',
    isFraud: true,
    source: 'ANALYST',
    labeledAt: Date.UTC(2026, 10, 26),
    note: 'customer confirmed',
    typology: 'account-takeover',
    author: 'analyst-7',
  };
}

export function sampleModelUpdate(overrides: Partial<ModelUpdate> = {}): ModelUpdate {
  return {
    version: 'xgb-2026-11-25.1',
    role: 'CHAMPION',
    createdAt: Date.UTC(2026, 10, 25),
    onnx: Buffer.from([0x08, 0x07, 0x12, 0x00, 0xff]),
    uri: null,
    sha256: 'a'.repeat(64),
    featureSet: 'fs-v1',
    reviewThreshold: 0.4,
    blockThreshold: 0.9,
    metadataJson: '{"features":["amount"]}',
    modelJson: null,
    ...overrides,
  };
}
