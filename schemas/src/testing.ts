import { readFileSync } from 'node:fs';
import { loadAvroSchemas, parseAvro } from './avro.ts';
import { createCodec } from './codec.ts';
import { createSchemaRegistryClient } from './registry-client.ts';
import type { Label, ModelUpdate, ScoredTransaction, Transaction } from './types.ts';

/*
 * `@fraud/schemas/testing`: one hand-made, valid record of each type, for the tests of every
 * package (override what a test is about), and the schemas of earlier versions for evolution
 * tests. Test code only: nothing here runs in a service.
 */

/** The v2 fields a PaySim record leaves null, as a decoded record carries them. */
export const NO_CARD_FIELDS = {
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
    ruleSetVersion: 3,
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

/** Transaction v1 as its publishers were built with it (required balances, PaySim's five types, no card fields). */
export function transactionV1Schema(): { fields: Array<{ name: string }> } {
  const file = new URL('../test/fixtures/Transaction.v1.avsc', import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as { fields: Array<{ name: string }> };
}

/** ScoredTransaction as v1 registered it: the current record with Transaction v1 inlined. */
export function scoredV1Schema(): unknown {
  const scored = loadAvroSchemas().json.ScoredTransaction as { fields: Array<{ name: string; type: unknown }> };
  const v1 = transactionV1Schema();
  return { ...scored, fields: scored.fields.map((f) => (f.name === 'transaction' ? { ...f, type: v1 } : f)) };
}

/** A transaction with exactly v1's fields, as a v1 publisher writes it. */
export function asV1Transaction(tx: Transaction): Record<string, unknown> {
  const values = tx as unknown as Record<string, unknown>;
  return Object.fromEntries(transactionV1Schema().fields.map((f) => [f.name, values[f.name]]));
}

/**
 * Frames scored records as a v1 writer did (Transaction v1 inlined, its type one of PaySim's): the
 * v1 schema is registered under `subject` and the transaction cut to v1's fields.
 */
export async function createV1ScoredEncoder(
  registryUrl: string,
  subject: string,
): Promise<(s: ScoredTransaction) => Buffer> {
  const schema = scoredV1Schema();
  const schemaId = await createSchemaRegistryClient({ url: registryUrl }).register(subject, JSON.stringify(schema));
  const codec = createCodec<unknown>({
    name: 'ScoredTransaction',
    reader: parseAvro(schema),
    schemaId,
    fetchSchema: async () => null,
  });
  return (s) => codec.encode({ ...s, transaction: asV1Transaction(s.transaction) });
}
