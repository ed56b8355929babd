import fc from 'fast-check';
import {
  DECISIONS,
  LABEL_SOURCES,
  TRANSACTION_TYPES,
  type Label,
  type ScoredTransaction,
  type Transaction,
} from '../src/index.ts';

/** fast-check arbitraries for the four record types; the hand-made samples live in src/testing.ts. */
export { sampleLabel, sampleModelUpdate, sampleScored, sampleTransaction } from '../src/testing.ts';

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
  typeName: fc.option(text, { nil: null }),
  amount: long,
  currency: text,
  originAccount: text,
  originBalanceBefore: fc.option(long, { nil: null }),
  destAccount: text,
  destBalanceBefore: fc.option(long, { nil: null }),
  channel: fc.option(text, { nil: null }),
  merchantId: fc.option(text, { nil: null }),
  merchantCategory: fc.option(text, { nil: null }),
  terminalId: fc.option(text, { nil: null }),
  country: fc.option(text, { nil: null }),
  deviceId: fc.option(text, { nil: null }),
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
  ruleSetVersion: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: null }),
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
