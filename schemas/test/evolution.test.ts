import { uniqueName } from '@fraud/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCodec,
  createSchemaRegistryClient,
  loadAvroSchemas,
  type ScoredTransaction,
  type Transaction,
} from '../src/index.ts';
import { parseAvro } from '../src/avro.ts';
import { incompatibilities } from '../src/registry/compat.ts';
import { call, startTestRegistry, type TestRegistry } from './helpers.ts';
import { sampleScored, sampleTransaction } from './samples.ts';
import { NO_CARD_FIELDS, asV1Transaction, scoredV1Schema, transactionV1Schema } from '../src/testing.ts';

/**
 * Transaction v2 (optional balances, open type, card and bank fields) evolves v1 BACKWARD: the
 * v2 reader reads v1 records, and the registry's own check accepts v2 after v1. The v1 schema is
 * kept as a fixture, byte for byte the file v1 publishers were built with.
 */
const V1_TRANSACTION = transactionV1Schema();
const avro = loadAvroSchemas();
const v1Type = parseAvro(V1_TRANSACTION);
const v2Type = avro.types.Transaction;

/** A v1 record: exactly the fields v1 has. */
function v1Record(): Record<string, unknown> {
  return asV1Transaction(sampleTransaction({ channel: 'APP', attributes: { region: 'north' } }));
}

describe('Transaction v2 reads v1 records (Avro resolution, avsc)', () => {
  it('a v1 record read with the v2 reader: same values, balances present, new fields null', () => {
    const v1 = v1Record();
    const read = v2Type.fromBuffer(v1Type.toBuffer(v1), v2Type.createResolver(v1Type)) as Transaction;
    expect({ ...read }).toEqual({ ...v1, ...NO_CARD_FIELDS });
    expect(read.originBalanceBefore).toBe(229_133_94);
    expect(read.destBalanceBefore).toBe(2_118_200);
  });

  it('v2 records with unknown balances and a publisher type round-trip', () => {
    const card = sampleTransaction({
      type: 'OTHER',
      typeName: 'REFUND',
      originBalanceBefore: null,
      destBalanceBefore: null,
      merchantId: 'M-42',
      merchantCategory: '5411',
      terminalId: 'T-7',
      country: 'KE',
      deviceId: 'dev-1',
    });
    expect({ ...(v2Type.fromBuffer(v2Type.toBuffer(card)) as Transaction) }).toEqual(card);
    // A writer that leaves the optional fields out writes their defaults.
    const { originBalanceBefore: _o, destBalanceBefore: _d, merchantId: _m, ...omitted } = card;
    expect({ ...(v2Type.fromBuffer(v2Type.toBuffer(omitted)) as Transaction) }).toEqual({
      ...card,
      originBalanceBefore: null,
      destBalanceBefore: null,
      merchantId: null,
    });
  });

  it('a type symbol the reader does not know reads as OTHER (the enum default), the record is kept', () => {
    const later = structuredClone(avro.json.Transaction) as { fields: Array<{ name: string; type: unknown }> };
    const typeField = later.fields.find((f) => f.name === 'type') as { type: { symbols: string[] } };
    typeField.type.symbols = [...typeField.type.symbols, 'CRYPTO'];
    const laterType = parseAvro(later);
    const tx = { ...sampleTransaction(), type: 'CRYPTO', typeName: 'CRYPTO' };
    const read = v2Type.fromBuffer(laterType.toBuffer(tx), v2Type.createResolver(laterType)) as Transaction;
    expect(read.type).toBe('OTHER');
    expect(read.typeName).toBe('CRYPTO');
    expect(read.amount).toBe(tx.amount);
  });

  it("the registry's check: v2 reads v1 (BACKWARD), and a new required field is refused", () => {
    expect(incompatibilities(v2Type, [{ version: 1, type: v1Type }], 'BACKWARD')).toEqual([]);
    const required = parseAvro({
      ...(avro.json.Transaction as object),
      fields: [...V1_TRANSACTION.fields, { name: 'mcc', type: 'string' }],
    });
    expect(incompatibilities(required, [{ version: 1, type: v1Type }], 'BACKWARD')).toHaveLength(1);
  });

  it('ScoredTransaction with the v2 Transaction reads scored records written with v1', () => {
    const v1Scored = parseAvro(scoredV1Schema());
    const v2Scored = avro.types.ScoredTransaction;
    expect(incompatibilities(v2Scored, [{ version: 1, type: v1Scored }], 'BACKWARD')).toEqual([]);
    const scored = sampleScored();
    const written = { ...scored, transaction: v1Record() };
    const read = v2Scored.fromBuffer(v1Scored.toBuffer(written), v2Scored.createResolver(v1Scored)) as typeof scored;
    expect({ ...read.transaction }).toEqual({ ...written.transaction, ...NO_CARD_FIELDS });
    expect(read.features).toEqual(scored.features);
  });
});

describe('Transaction v2 on the real registry (BACKWARD)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry('evolution');
  });
  afterAll(async () => {
    await reg?.cleanup();
  });

  it('registers v2 after v1, refuses a new required field, and the codec reads v1 data with v2', async () => {
    const client = createSchemaRegistryClient({ url: reg.url });
    const subject = `${uniqueName('tx-evolution')}-value`;
    const v1Id = await client.register(subject, JSON.stringify(V1_TRANSACTION));
    const compat = await call(reg.url, 'POST', `/compatibility/subjects/${subject}/versions/latest`, {
      schema: JSON.stringify(avro.json.Transaction),
    });
    expect(compat.body).toEqual({ is_compatible: true });
    const v2Id = await client.register(subject, JSON.stringify(avro.json.Transaction));
    expect(v2Id).not.toBe(v1Id);
    expect(await client.versions(subject)).toEqual([1, 2]);

    const withRequired = structuredClone(avro.json.Transaction) as { fields: unknown[] };
    withRequired.fields.push({ name: 'mcc', type: 'string' });
    const refused = await call(reg.url, 'POST', `/subjects/${subject}/versions`, {
      schema: JSON.stringify(withRequired),
    });
    expect(refused.status).toBe(409);

    const v1Writer = createCodec<Record<string, unknown>>({
      name: 'Transaction',
      reader: v1Type,
      schemaId: v1Id,
      fetchSchema: async () => null,
    });
    const v2Reader = createCodec<Transaction>({
      name: 'Transaction',
      reader: v2Type,
      schemaId: v2Id,
      fetchSchema: (id) => client.schemaById(id),
    });
    const v1 = v1Record();
    expect({ ...(await v2Reader.decode(v1Writer.encode(v1))) }).toEqual({ ...v1, ...NO_CARD_FIELDS });
  });

  it('registers ScoredTransaction v2 after v1, and its codec reads scored records written with v1', async () => {
    const client = createSchemaRegistryClient({ url: reg.url });
    const subject = `${uniqueName('scored-evolution')}-value`;
    const v1Id = await client.register(subject, JSON.stringify(scoredV1Schema()));
    const compat = await call(reg.url, 'POST', `/compatibility/subjects/${subject}/versions/latest`, {
      schema: JSON.stringify(avro.json.ScoredTransaction),
    });
    expect(compat.body).toEqual({ is_compatible: true });
    const v2Id = await client.register(subject, JSON.stringify(avro.json.ScoredTransaction));
    const v1Writer = createCodec<Record<string, unknown>>({
      name: 'ScoredTransaction',
      reader: parseAvro(scoredV1Schema()),
      schemaId: v1Id,
      fetchSchema: async () => null,
    });
    const v2Reader = createCodec<ScoredTransaction>({
      name: 'ScoredTransaction',
      reader: avro.types.ScoredTransaction,
      schemaId: v2Id,
      fetchSchema: (id) => client.schemaById(id),
    });
    const written = { ...sampleScored(), transaction: v1Record() };
    const read = await v2Reader.decode(v1Writer.encode(written));
    expect({ ...read.transaction }).toEqual({ ...written.transaction, ...NO_CARD_FIELDS });
    expect(read.score).toBe(written.score);
  });
});
