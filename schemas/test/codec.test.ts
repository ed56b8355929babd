import { isFraudError, type FraudError } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCodec,
  createCodecs,
  createSchemaRegistryClient,
  loadAvroSchemas,
  topicNames,
  TRANSACTION_TYPES,
  type Codecs,
  type Transaction,
} from '../src/index.ts';
import { startTestRegistry, type TestRegistry } from './helpers.ts';
import {
  labelArb,
  sampleLabel,
  sampleModelUpdate,
  sampleScored,
  sampleTransaction,
  scoredArb,
  transactionArb,
} from './samples.ts';

let reg: TestRegistry;
let codecs: Codecs;
const topics = topicNames(`${uniqueName('codec')}.`);

beforeAll(async () => {
  reg = await startTestRegistry('codec');
  codecs = await createCodecs({ registryUrl: reg.url, topics });
});
afterAll(async () => {
  await reg?.cleanup();
});

async function decodeError(p: Promise<unknown>): Promise<FraudError> {
  const err: unknown = await p.then(
    () => new Error('decode succeeded'),
    (e: unknown) => e,
  );
  if (!isFraudError(err)) throw new Error(`expected a FraudError, got ${String(err)}`);
  return err;
}

describe('createCodecs', () => {
  it('registers the four schemas under <topic>-value, idempotently', async () => {
    const client = createSchemaRegistryClient({ url: reg.url });
    expect((await client.version(`${topics.transactions}-value`, 'latest')).id).toBe(codecs.transaction.schemaId);
    expect((await client.version(`${topics.scored}-value`, 'latest')).id).toBe(codecs.scored.schemaId);
    expect((await client.version(`${topics.labels}-value`, 'latest')).id).toBe(codecs.label.schemaId);
    expect((await client.version(`${topics.modelUpdates}-value`, 'latest')).id).toBe(codecs.modelUpdate.schemaId);
    expect(
      new Set([codecs.transaction, codecs.scored, codecs.label, codecs.modelUpdate].map((c) => c.schemaId)).size,
    ).toBe(4);
    const again = await createCodecs({ registryUrl: reg.url, topics });
    expect(again.scored.schemaId).toBe(codecs.scored.schemaId);
    // The scored schema is registered self-contained: Transaction inlined, not referenced.
    const scoredText = (await client.schemaById(codecs.scored.schemaId)) ?? '';
    expect(scoredText).toContain('"name":"Transaction"');
    expect(scoredText).toContain(`"symbols":${JSON.stringify(TRANSACTION_TYPES)}`);
  });
});

describe('round trips', () => {
  it('all four records, framed in the Confluent wire format', async () => {
    const cases = [
      [codecs.transaction, sampleTransaction({ channel: 'APP', attributes: { a: 'b' } })],
      [codecs.scored, sampleScored()],
      [codecs.label, sampleLabel()],
      [codecs.modelUpdate, sampleModelUpdate()],
    ] as const;
    for (const [codec, value] of cases) {
      const buf = (codec.encode as (v: unknown) => Buffer)(value);
      expect(buf[0]).toBe(0);
      expect(buf.readInt32BE(1)).toBe(codec.schemaId);
      expect(await codec.decode(buf)).toEqual(value);
    }
  });

  it('property: decode(encode(x)) == x for Transaction, ScoredTransaction and Label', async () => {
    await fc.assert(
      fc.asyncProperty(transactionArb, async (tx) => {
        expect(await codecs.transaction.decode(codecs.transaction.encode(tx))).toEqual(tx);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(scoredArb, async (s) => {
        expect(await codecs.scored.decode(codecs.scored.encode(s))).toEqual(s);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(labelArb, async (l) => {
        expect(await codecs.label.decode(codecs.label.encode(l))).toEqual(l);
      }),
      { numRuns: 200 },
    );
  });

  it('records encoded earlier stay intact while later ones are encoded (shared slabs)', async () => {
    const txs = fc.sample(transactionArb, { numRuns: 3000, seed: 42 });
    const bufs: Buffer[] = [];
    const copies: Buffer[] = []; // each taken right after its encode
    for (const tx of txs) {
      bufs.push(codecs.transaction.encode(tx));
      copies.push(Buffer.from(bufs.at(-1)!));
    }
    for (const [i, b] of bufs.entries()) {
      expect(b.equals(copies[i]!)).toBe(true);
      expect(await codecs.transaction.decode(b)).toEqual(txs[i]);
    }
    // An encode that fails leaves earlier records alone too.
    expect(() => codecs.transaction.encode({ ...txs[0]!, amount: 0.5 })).toThrow(/amount/);
    expect(bufs.every((b, i) => b.equals(copies[i]!))).toBe(true);
  });

  it('encodes values bigger than a slab (a large model)', async () => {
    const big = { ...sampleModelUpdate(), onnx: Buffer.alloc(300_000, 7) };
    const buf = codecs.modelUpdate.encode(big);
    expect(buf.length).toBeGreaterThan(300_000);
    expect((await codecs.modelUpdate.decode(buf)).onnx?.equals(big.onnx)).toBe(true);
    // and the scratch buffer is still good for small ones afterwards
    expect(await codecs.modelUpdate.decode(codecs.modelUpdate.encode(sampleModelUpdate()))).toEqual(
      sampleModelUpdate(),
    );
  });
});

describe('bad input raises typed errors', () => {
  const good = () => codecs.transaction.encode(sampleTransaction());

  it('wrong magic byte', async () => {
    const buf = good();
    buf[0] = 1;
    expect((await decodeError(codecs.transaction.decode(buf))).code).toBe('DECODE_WRONG_MAGIC');
    expect((await decodeError(codecs.transaction.decode(Buffer.from('{"txId":"x"}')))).code).toBe('DECODE_WRONG_MAGIC');
  });

  it('truncated header and truncated body', async () => {
    expect((await decodeError(codecs.transaction.decode(Buffer.alloc(0)))).code).toBe('DECODE_TRUNCATED');
    expect((await decodeError(codecs.transaction.decode(Buffer.from([0, 0, 0])))).code).toBe('DECODE_TRUNCATED');
    const buf = good();
    for (const cut of [5, 6, 20, buf.length - 1]) {
      expect((await decodeError(codecs.transaction.decode(buf.subarray(0, cut)))).code).toBe('DECODE_TRUNCATED');
    }
  });

  it('unknown schema id, asked of the registry once for concurrent decodes', async () => {
    const buf = good();
    buf.writeInt32BE(2_000_000_000, 1);
    const err = await decodeError(codecs.transaction.decode(buf));
    expect(err.code).toBe('DECODE_UNKNOWN_SCHEMA');
    expect(err.message).toContain('2000000000');

    let fetches = 0;
    const codec = createCodec<Transaction>({
      name: 'Transaction',
      reader: loadAvroSchemas().types.Transaction,
      schemaId: codecs.transaction.schemaId,
      fetchSchema: async (id) => {
        fetches++;
        return createSchemaRegistryClient({ url: reg.url }).schemaById(id);
      },
    });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => codec.decode(buf)));
    expect(results.every((r) => r.status === 'rejected' && isFraudError(r.reason, 'DECODE_UNKNOWN_SCHEMA'))).toBe(true);
    expect(fetches).toBe(1);
  });

  it('garbage bodies, trailing bytes, and a writer schema that cannot be read as the reader', async () => {
    const header = good().subarray(0, 5);
    // An enum index far out of range: the type field of a Transaction.
    const badEnum = Buffer.concat([header, Buffer.from([0x02, 0x41, 0x02, 0x7e])]);
    expect((await decodeError(codecs.transaction.decode(badEnum))).code).toBe('DECODE_FAILED');
    const trailing = Buffer.concat([good(), Buffer.from([1, 2, 3])]);
    const t = await decodeError(codecs.transaction.decode(trailing));
    expect(t.code).toBe('DECODE_FAILED');
    expect(t.message).toContain('3 trailing bytes');
    // A Label framed with its own id is not a Transaction: resolution fails.
    const label = codecs.label.encode(sampleLabel());
    const l = await decodeError(codecs.transaction.decode(label));
    expect(l.code).toBe('DECODE_FAILED');
    expect(l.message).toContain(`schema id ${codecs.label.schemaId}`);

    // Random bodies: either they happen to decode, or they fail with a DECODE_ code; never anything else.
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        const out = await codecs.transaction.decode(Buffer.concat([header, bytes])).then(
          () => 'ok',
          (e: unknown) => (isFraudError(e) ? e.code : `untyped: ${String(e)}`),
        );
        expect(['ok', 'DECODE_FAILED', 'DECODE_TRUNCATED']).toContain(out);
      }),
      { numRuns: 500 },
    );
  });

  it('encode errors name the bad field', () => {
    const bad = (v: unknown) => {
      try {
        codecs.transaction.encode(v as Transaction);
        return null;
      } catch (err: unknown) {
        return isFraudError(err) ? err : null;
      }
    };
    const amount = bad(sampleTransaction({ amount: 12.5 }));
    expect(amount?.code).toBe('ENCODE_FAILED');
    expect(amount?.message).toContain('amount=12.5');
    const type = bad({ ...sampleTransaction(), type: 'REFUND' });
    expect(type?.message).toContain('type="REFUND"');
    const missing = bad({ ...sampleTransaction(), destAccount: undefined });
    expect(missing?.message).toContain('destAccount');
    expect(bad(null)?.code).toBe('ENCODE_FAILED');
    expect(bad(sampleTransaction())).toBeNull();
  });
});
