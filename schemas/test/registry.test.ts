import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { uniqueName } from '@fraud/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, isFraudError } from '@fraud/common';
import {
  createCodec,
  createRegistryServer,
  createSchemaRegistryClient,
  loadAvroSchemas,
  type Transaction,
} from '../src/index.ts';
import { parseAvro } from '../src/avro.ts';
import { call, startTestRegistry, type TestRegistry } from './helpers.ts';
import { sampleTransaction } from './samples.ts';

const avro = loadAvroSchemas();
const txSchema = JSON.stringify(avro.json.Transaction);

function sampleTx(overrides: Partial<Transaction> = {}): Transaction {
  return sampleTransaction({
    txId: uniqueName('tx'),
    eventTime: Date.UTC(2026, 10, 25, 12, 0, 0),
    type: 'TRANSFER',
    amount: 181_00,
    originAccount: 'C1305486145',
    originBalanceBefore: 181_00,
    destAccount: 'C553264065',
    destBalanceBefore: 0,
    channel: 'APP',
    attributes: { region: 'north' },
    ...overrides,
  });
}

/** A schema JSON (as text) derived from Transaction's, with extra fields. */
function txWith(extraFields: unknown[], name = 'io.fraud.Transaction'): string {
  const base = avro.json.Transaction as { fields: unknown[] };
  return JSON.stringify({ ...base, name, fields: [...base.fields, ...extraFields] });
}

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry('registry');
});
afterAll(async () => {
  await reg?.cleanup();
});

describe('registry round trip with @kafkajs/confluent-schema-registry', () => {
  it('registers, encodes and decodes through the Confluent client, and our codec agrees', async () => {
    const subject = `${uniqueName('rt')}-value`;
    const client = new SchemaRegistry({ host: reg.url });
    const { id } = await client.register({ type: 'AVRO' as never, schema: txSchema }, { subject });
    expect(id).toBeGreaterThan(0);
    expect(await client.getLatestSchemaId(subject)).toBe(id);

    const tx = sampleTx();
    const encoded = await client.encode(id, tx);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect({ ...(await client.decode(encoded)) }).toEqual(tx);

    const ours = createCodec<Transaction>({
      name: 'Transaction',
      reader: avro.types.Transaction,
      schemaId: id,
      fetchSchema: async () => null,
    });
    expect(ours.encode(tx).equals(encoded)).toBe(true);
    expect({ ...(await ours.decode(encoded)) }).toEqual(tx);
    // The kafkajs client set the subject to BACKWARD when it registered first (its default).
    expect((await call(reg.url, 'GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('gives the same schema the same id: again, with other whitespace, and under another subject', async () => {
    const client = createSchemaRegistryClient({ url: reg.url });
    const subject = `${uniqueName('idem')}-value`;
    const id = await client.register(subject, txSchema);
    expect(await client.register(subject, JSON.stringify(avro.json.Transaction, null, 2))).toBe(id);
    expect(await client.register(`${uniqueName('other')}-value`, txSchema)).toBe(id);
    // Names qualified differently (full name, repeated namespace) are the same schema.
    const qualified = JSON.parse(txSchema) as {
      name: string;
      namespace?: string;
      fields: Array<{ name: string; type: unknown }>;
    };
    const requalified = {
      ...qualified,
      name: 'io.fraud.Transaction',
      namespace: undefined,
      fields: qualified.fields.map((f) =>
        f.name === 'type' ? { ...f, type: { ...(f.type as object), namespace: 'io.fraud' } } : f,
      ),
    };
    expect(await client.register(subject, JSON.stringify(requalified))).toBe(id);
    expect(await client.versions(subject)).toEqual([1]);
    const looked = await call(reg.url, 'POST', `/subjects/${subject}`, { schema: txSchema });
    expect(looked.status).toBe(200);
    expect(looked.body).toMatchObject({ subject, id, version: 1 });
    // The stored text keeps the logicalType annotations clients rely on.
    expect(await client.schemaById(id)).toContain('"logicalType":"timestamp-millis"');
  });
});

describe('storage in the compacted topic', () => {
  it('refuses a storage topic that is not compacted or has more than one partition', async () => {
    const logger = createLogger('registry-test', 'silent');
    const deleting = await reg.topics.create(uniqueName('plain-_schemas'), 1);
    const wide = await reg.topics.create(uniqueName('wide-_schemas'), 3, { 'cleanup.policy': 'compact' });
    for (const [topic, says] of [
      [deleting, 'cleanup.policy=delete'],
      [wide, '3 partitions'],
    ] as const) {
      const server = createRegistryServer({ kafka: reg.kafka, topic, logger });
      const err: unknown = await server.start().then(
        () => null,
        (e: unknown) => e,
      );
      await server.stop();
      expect(isFraudError(err, 'CONFIG_INVALID')).toBe(true);
      expect(String((err as Error).message)).toContain(says);
    }
  });

  it('a restarted registry on the same topic keeps ids and versions, and continues numbering', async () => {
    const r = await startTestRegistry('restart');
    try {
      const client = createSchemaRegistryClient({ url: r.url });
      const subjectA = `${uniqueName('a')}-value`;
      const idA = await client.register(subjectA, txSchema);
      const idL = await client.register(`${uniqueName('l')}-value`, JSON.stringify(avro.json.Label));
      await r.stop();
      const second = await r.another();
      const again = createSchemaRegistryClient({ url: second.url });
      expect(second.url).not.toBe(r.url);
      expect(await again.version(subjectA, 'latest')).toMatchObject({ id: idA, version: 1 });
      expect(await again.schemaById(idL)).toBe(await client.schemaById(idL).catch(() => again.schemaById(idL)));
      expect(await again.register(subjectA, txSchema)).toBe(idA);
      const idM = await again.register(`${uniqueName('m')}-value`, JSON.stringify(avro.json.ModelUpdate));
      expect(idM).toBe(Math.max(idA, idL) + 1);
    } finally {
      await r.cleanup();
    }
  });

  it('two instances writing concurrently agree on every id and version', async () => {
    const second = await reg.another();
    const a = createSchemaRegistryClient({ url: reg.url });
    const b = createSchemaRegistryClient({ url: second.url });
    const subject = `${uniqueName('race')}-value`;
    expect((await call(reg.url, 'PUT', `/config/${subject}`, { compatibility: 'NONE' })).status).toBe(200);
    const schemas = Array.from({ length: 6 }, (_, i) => txWith([{ name: `extra${i}`, type: 'int', default: i }]));
    const ids = await Promise.all(schemas.map((s, i) => (i % 2 === 0 ? a : b).register(subject, s)));
    expect(new Set(ids).size).toBe(6);
    const fromA = await Promise.all([1, 2, 3, 4, 5, 6].map((v) => a.version(subject, v)));
    const fromB = await Promise.all([1, 2, 3, 4, 5, 6].map((v) => b.version(subject, v)));
    expect(fromB).toEqual(fromA);
    expect(fromA.map((e) => e.id).sort()).toEqual([...ids].sort());
    for (const [i, s] of schemas.entries()) {
      expect(await b.schemaById(ids[i] ?? -1)).toBe(await a.schemaById(ids[i] ?? -1));
      expect(JSON.parse((await a.schemaById(ids[i] ?? -1)) ?? '{}')).toMatchObject({
        fields: expect.arrayContaining([expect.objectContaining({ name: `extra${i}` })]) as unknown,
      });
      expect(s).toContain(`extra${i}`);
    }
  });
});

describe('compatibility', () => {
  it('rejects an incompatible change with 409 in Confluent shape, and accepts a compatible evolution', async () => {
    const subject = `${uniqueName('evo')}-value`;
    const client = createSchemaRegistryClient({ url: reg.url });
    const v1 = await client.register(subject, txSchema);

    const required = await call(reg.url, 'POST', `/subjects/${subject}/versions`, {
      schema: txWith([{ name: 'loyaltyId', type: 'string' }]),
    });
    expect(required.status).toBe(409);
    expect(required.type).toContain('application/vnd.schemaregistry.v1+json');
    expect(required.body).toMatchObject({ error_code: 409, message: expect.stringContaining('loyaltyId') as unknown });

    const check = await call(reg.url, 'POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, {
      schema: txWith([{ name: 'loyaltyId', type: 'string' }]),
    });
    expect(check.body).toMatchObject({ is_compatible: false });

    const evolved = txWith([{ name: 'promoCode', type: ['null', 'string'], default: null }]);
    expect(
      (await call(reg.url, 'POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: evolved })).body,
    ).toEqual({ is_compatible: true });
    const v2 = await client.register(subject, evolved);
    expect(v2).not.toBe(v1);
    expect(await client.versions(subject)).toEqual([1, 2]);

    // Data written with v1 decodes with the v2 reader: the new field takes its default.
    const writerCodec = createCodec<Transaction>({
      name: 'Transaction',
      reader: avro.types.Transaction,
      schemaId: v1,
      fetchSchema: async () => null,
    });
    const readerCodec = createCodec<Transaction & { promoCode: string | null }>({
      name: 'Transaction',
      reader: parseAvro(JSON.parse(evolved)),
      schemaId: v2,
      fetchSchema: (id) => client.schemaById(id),
    });
    const tx = sampleTx();
    expect({ ...(await readerCodec.decode(writerCodec.encode(tx))) }).toEqual({ ...tx, promoCode: null });
  });

  it('checks FORWARD and FULL, and NONE lets anything through', async () => {
    const subject = `${uniqueName('levels')}-value`;
    await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: txSchema });
    // Removing a field without default: BACKWARD-compatible, not FORWARD (old readers need it).
    const base = avro.json.Transaction as { fields: Array<{ name: string }> };
    const dropped = JSON.stringify({ ...base, fields: base.fields.filter((f) => f.name !== 'destAccount') });
    expect((await call(reg.url, 'PUT', `/config/${subject}`, { compatibility: 'FORWARD' })).body).toEqual({
      compatibility: 'FORWARD',
    });
    expect((await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: dropped })).status).toBe(409);
    expect((await call(reg.url, 'PUT', `/config/${subject}`, { compatibility: 'full' })).body).toEqual({
      compatibility: 'FULL',
    });
    expect((await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: dropped })).status).toBe(409);
    await call(reg.url, 'PUT', `/config/${subject}`, { compatibility: 'NONE' });
    const other = JSON.stringify({ type: 'record', name: 'Unrelated', fields: [{ name: 'x', type: 'int' }] });
    expect((await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: other })).status).toBe(200);
  });
});

describe('config endpoints', () => {
  it('reads and writes the global and subject levels, and rejects unknown levels', async () => {
    const r = await startTestRegistry('config');
    try {
      expect((await call(r.url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect((await call(r.url, 'PUT', '/config', { compatibility: 'FULL_TRANSITIVE' })).body).toEqual({
        compatibility: 'FULL_TRANSITIVE',
      });
      expect((await call(r.url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
      const bad = await call(r.url, 'PUT', '/config', { compatibility: 'SIDEWAYS' });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ error_code: 42203 });

      const subject = 's-value';
      const missing = await call(r.url, 'GET', `/config/${subject}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error_code: 40408 });
      expect((await call(r.url, 'GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({
        compatibilityLevel: 'FULL_TRANSITIVE',
      });
      await call(r.url, 'PUT', `/config/${subject}`, { compatibility: 'NONE' });
      expect((await call(r.url, 'GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });

      // Configs are in the log too: a restart keeps them.
      await r.stop();
      const again = await r.another();
      expect((await call(again.url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
      expect((await call(again.url, 'DELETE', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
      expect((await call(again.url, 'GET', `/config/${subject}`)).status).toBe(404);
    } finally {
      await r.cleanup();
    }
  });
});

describe('bad requests get 4xx in Confluent shape', () => {
  it('malformed JSON, invalid Avro, other schema types, huge bodies, bad versions and ids', async () => {
    const subject = `${uniqueName('bad')}-value`;
    const malformed = await call(reg.url, 'POST', `/subjects/${subject}/versions`, undefined, '{"schema": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      error_code: 400,
      message: expect.stringContaining('Malformed JSON') as unknown,
    });

    const notAvro = await call(reg.url, 'POST', `/subjects/${subject}/versions`, {
      schema: '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "strng"}]}',
    });
    expect(notAvro.status).toBe(422);
    expect(notAvro.body).toMatchObject({ error_code: 42201, message: expect.stringContaining('strng') as unknown });

    const notJsonSchema = await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: 'record X {' });
    expect(notJsonSchema.body).toMatchObject({ error_code: 42201 });
    expect((await call(reg.url, 'POST', `/subjects/${subject}/versions`, {})).body).toMatchObject({
      error_code: 42201,
    });
    expect(
      (await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: txSchema, schemaType: 'PROTOBUF' })).body,
    ).toMatchObject({ error_code: 42201 });
    expect((await call(reg.url, 'POST', `/subjects/${subject}/versions`, [1, 2])).body).toMatchObject({
      error_code: 400,
    });

    const huge = await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error_code: 413 });

    expect((await call(reg.url, 'GET', `/subjects/${subject}/versions`)).body).toMatchObject({ error_code: 40401 });
    expect((await call(reg.url, 'GET', '/schemas/ids/999999')).body).toMatchObject({ error_code: 40403 });
    await call(reg.url, 'POST', `/subjects/${subject}/versions`, { schema: txSchema });
    expect((await call(reg.url, 'GET', `/subjects/${subject}/versions/7`)).body).toMatchObject({ error_code: 40402 });
    const badVersion = await call(reg.url, 'GET', `/subjects/${subject}/versions/one`);
    expect(badVersion.status).toBe(422);
    expect(badVersion.body).toMatchObject({ error_code: 42202 });
    expect((await call(reg.url, 'GET', '/no/such/endpoint')).status).toBe(404);
  });
});

describe('listing and deleting', () => {
  it('lists subjects and versions, soft and permanent deletes', async () => {
    const subject = `${uniqueName('del')}-value`;
    const client = createSchemaRegistryClient({ url: reg.url });
    const id1 = await client.register(subject, txSchema);
    const id2 = await client.register(subject, txWith([{ name: 'n', type: ['null', 'int'], default: null }]));
    expect(await client.subjects()).toContain(subject);
    expect((await call(reg.url, 'GET', `/schemas/ids/${id2}/versions`)).body).toEqual([{ subject, version: 2 }]);
    const raw = await fetch(`${reg.url}/subjects/${subject}/versions/1/schema`);
    expect(JSON.parse(await raw.text())).toMatchObject({ name: 'Transaction', namespace: 'io.fraud' });

    expect((await call(reg.url, 'DELETE', `/subjects/${subject}/versions/2?permanent=true`)).body).toMatchObject({
      error_code: 40407,
    });
    expect((await call(reg.url, 'DELETE', `/subjects/${subject}/versions/2`)).body).toBe(2);
    expect(await client.versions(subject)).toEqual([1]);
    expect((await call(reg.url, 'GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    expect((await client.version(subject, 'latest')).id).toBe(id1);

    expect((await call(reg.url, 'DELETE', `/subjects/${subject}?permanent=true`)).body).toMatchObject({
      error_code: 40405,
    });
    expect((await call(reg.url, 'DELETE', `/subjects/${subject}`)).body).toEqual([1]);
    expect(await client.subjects()).not.toContain(subject);
    expect((await call(reg.url, 'GET', '/subjects?deleted=true')).body).toContain(subject);
    expect((await call(reg.url, 'DELETE', `/subjects/${subject}?permanent=true`)).body).toEqual([1, 2]);
    expect((await call(reg.url, 'GET', '/subjects?deleted=true')).body).not.toContain(subject);
    // Ids are never reused: the schema still resolves, and re-registering gets a new version, same id.
    expect(await client.schemaById(id1)).not.toBeNull();
    expect(await client.register(subject, txSchema)).toBe(id1);
    expect(await client.versions(subject)).toEqual([3]);
  });
});
