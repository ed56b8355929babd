import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDlqMessage } from '@fraud/kafka';
import type { Transaction } from '@fraud/schemas';
import { kafkaRecordKinds } from '../bad-input.ts';
// The scorer's integration harness: a private set of topics and a real ONNX model.
import { createPipeline, makeTransactions, trainTinyModel, type Pipeline } from '@fraud/scorer/testing';

function build(recipe: string, p: Pipeline, good: Transaction): { key: string | null; value: Buffer | null } {
  const valid = p.codecs.transaction.encode(good);
  const withId = (id: number, body: Buffer) =>
    Buffer.concat([Buffer.from([0, (id >>> 24) & 255, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]), body]);
  const body = valid.subarray(5);
  switch (recipe) {
    case 'garbage':
      return { key: 'k', value: Buffer.from('\x89PNG this is not a transaction at all') };
    case 'wrong-magic':
      return { key: 'k', value: Buffer.concat([Buffer.from([7]), valid.subarray(1)]) };
    case 'unknown-schema':
      return { key: 'k', value: withId(999_999, body) };
    case 'truncated':
      return { key: 'k', value: valid.subarray(0, valid.length - 4) };
    case 'null-value':
      return { key: 'k', value: null };
    case 'bad-enum': {
      // type is the third field: after txId (string) and eventTime (long). Re-encode with a
      // known layout: find the enum byte by encoding two records that differ only in type.
      const a = p.codecs.transaction.encode({ ...good, type: 'CASH_IN' });
      const b = p.codecs.transaction.encode({ ...good, type: 'DEBIT' });
      const at = a.findIndex((x, i) => x !== b[i]);
      const out = Buffer.from(a);
      out[at] = 80; // zig-zag 40: no such symbol (TransactionType has 9)
      return { key: 'k', value: out };
    }
    case 'huge-txid':
      return { key: 'k', value: p.codecs.transaction.encode({ ...good, txId: 'x'.repeat(512 * 1024) }) };
    case 'wrong-type':
      return {
        key: 'k',
        value: withId(
          p.codecs.transaction.schemaId,
          p.codecs.label
            .encode({
              txId: good.txId,
              isFraud: true,
              source: 'ANALYST',
              labeledAt: 1,
              note: null,
              typology: null,
              author: null,
            })
            .subarray(5),
        ),
      };
    case 'negative-amount':
      return { key: good.originAccount, value: p.codecs.transaction.encode({ ...good, amount: -1 }) };
    case 'future':
      return {
        key: good.originAccount,
        value: p.codecs.transaction.encode({ ...good, eventTime: Date.now() + 90 * 86_400_000 }),
      };
    case 'ancient':
      return { key: good.originAccount, value: p.codecs.transaction.encode({ ...good, eventTime: 86_400_000 }) };
    case 'empty-account':
      return { key: '', value: p.codecs.transaction.encode({ ...good, originAccount: '' }) };
    case 'null-key':
      return { key: null, value: valid };
    default:
      throw new Error(`unknown recipe ${recipe}`);
  }
}

describe('bad-input corpus: Kafka records into the scorer', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline('corpus-kafka', 2);
  });
  afterAll(async () => p?.cleanup());

  it(`dead-letters every bad kind with its reason, scores the rest, and the counts reconcile (${kafkaRecordKinds.length} kinds)`, async () => {
    const model = await trainTinyModel('corpus-v1');
    const goods = makeTransactions(kafkaRecordKinds.length, { seed: 3, runId: `${p.prefix}corpus` });
    const records = kafkaRecordKinds.map((k, i) => build(k.recipe, p, goods[i]!));
    await p.publishRaw(
      records.map((r, i) => ({ key: r.key, value: r.value, headers: { corpus: String(i) } }) as never),
    );
    await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir });
    await p.waitConsumed(records.length, 90_000);

    const dlq = await p.readDlq();
    const scored = await p.readScored();
    expect(dlq.length + scored.length, 'consumed = scored + dead-lettered').toBe(records.length);
    for (const [i, k] of kafkaRecordKinds.entries()) {
      const dead = dlq.find((m) => m.headers?.corpus?.toString() === String(i));
      if ('dlq' in k.expect) {
        expect(dead, k.kind).toBeDefined();
        const h = fromDlqMessage(dead!);
        expect(h.code, k.kind).toBe(k.expect.dlq);
        expect(h.message.length, `${k.kind}: a readable reason`).toBeGreaterThan(5);
        expect(
          dead!.value?.equals(records[i]!.value ?? Buffer.alloc(0)) ?? records[i]!.value === null,
          `${k.kind}: original bytes kept`,
        ).toBe(true);
      } else {
        expect(dead, k.kind).toBeUndefined();
        expect(
          scored.some((s) => s.transaction.txId === goods[i]!.txId),
          k.kind,
        ).toBe(true);
      }
    }
  });
});
