import fc from 'fast-check';
import {
  DECISIONS,
  LABEL_SOURCES,
  TRANSACTION_TYPES,
  type Label,
  type ModelUpdate,
  type ScoredTransaction,
  type Transaction,
} from '../src/index.ts';

/** Hand-made records and fast-check arbitraries for the four record types. */
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

export function sampleModelUpdate(): ModelUpdate {
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
  };
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
// avsc writes a negative long as the double -2n-1, exact only down to -2^52: below that it
// silently corrupts (this property catches it). Our longs (epoch ms, minor units, offsets) are
// far inside the exact range; validateTransaction rejects negative amounts and balances.
const long = fc.integer({ min: -(2 ** 52), max: 2 ** 53 - 2 }); // avsc rejects (ENCODE_FAILED) above 2^53-2
// A "__proto__" map key cannot round-trip through a plain object; publishers' extras never need it.
const attributes = fc.dictionary(
  text.filter((k) => k !== '__proto__'),
  text,
  { maxKeys: 5 },
);

export const transactionArb: fc.Arbitrary<Transaction> = fc.record({
  txId: text,
  eventTime: long,
  type: fc.constantFrom(...TRANSACTION_TYPES),
  amount: long,
  currency: text,
  originAccount: text,
  originBalanceBefore: long,
  destAccount: text,
  destBalanceBefore: long,
  channel: fc.option(text, { nil: null }),
  attributes,
});

const float32 = fc.float({ noNaN: true });
const double = fc.double({ noNaN: true });

export const scoredArb: fc.Arbitrary<ScoredTransaction> = fc.record({
  transaction: transactionArb,
  featureSet: text,
  features: fc.array(float32, { maxLength: 30 }),
  score: double,
  decision: fc.constantFrom(...DECISIONS),
  reviewThreshold: double,
  blockThreshold: double,
  modelVersion: text,
  reasons: fc.array(fc.record({ feature: text, value: double, contribution: double }), { maxLength: 5 }),
  rulesFired: fc.array(text, { maxLength: 5 }),
  shadow: fc.option(fc.record({ modelVersion: text, score: double, decision: fc.constantFrom(...DECISIONS) }), {
    nil: null,
  }),
  scoredAt: long,
  source: fc.option(
    fc.record({ partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }), offset: long, publishedAt: long }),
    { nil: null },
  ),
});

export const labelArb: fc.Arbitrary<Label> = fc.record({
  txId: text,
  isFraud: fc.boolean(),
  source: fc.constantFrom(...LABEL_SOURCES),
  labeledAt: long,
  note: fc.option(text, { nil: null }),
  typology: fc.option(text, { nil: null }),
  author: fc.option(text, { nil: null }),
});
