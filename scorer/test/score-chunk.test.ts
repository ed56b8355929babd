import { describe, expect, it } from 'vitest';
import { FraudError } from '@fraud/common';
import { validateTransaction, type ScoredTransaction } from '@fraud/schemas';
import { sampleScored } from '@fraud/schemas/testing';
import { compileFeatureSpec, loadFeatureSpec, type SpecState } from '@fraud/model';
import { evaluateChunk } from '../src/eos/chunk.ts';
import type { RawRecord } from '@fraud/kafka';
import { screenChunk } from '../src/score-chunk.ts';
import { compilePolicy } from '../src/policy.ts';
import { RecentIds } from '../src/recent-ids.ts';
import type { SpecStates } from '../src/ports.ts';
import { specModule } from '../src/spec-wiring.ts';
import { DECIDED_HEADER } from '../src/sync/memory.ts';
import { FS_V2, activeModel, fakeServing, jsonCodec, specStates, tx } from './fakes.ts';

const features = FS_V2;
const cols = features.featureNames.length;
const AMOUNT = features.featureNames.indexOf('amount');
// Score grows with the amount feature: amounts 1000..N*1000 give 0.1, 0.2 ... (capped at 1).
const byAmount = (row: Float32Array) => Math.min(1, (row[AMOUNT] ?? 0) / 10_000);
const NOW = Date.UTC(2025, 0, 2);

function raw(value: Buffer | null, offset: number): RawRecord {
  return {
    key: Buffer.from(`k${offset}`),
    value,
    offset: String(offset),
    timestamp: String(NOW - 5),
    headers: { trace: 'abc' },
  };
}

function run(
  records: RawRecord[],
  state: SpecStates = specStates(0),
  extra: { shadow?: boolean; policy?: Parameters<typeof compilePolicy>[0]; recent?: RecentIds } = {},
) {
  const champion = fakeServing('champ-1', cols, byAmount);
  const shadow = extra.shadow ? fakeServing('shadow-1', cols, () => 0.95) : null;
  return {
    champion,
    result: evaluateChunk(
      records,
      {
        topic: 'in',
        partition: 0,
        state,
        models: {
          champion: activeModel(champion),
          shadow: shadow ? activeModel(shadow, 'SHADOW', { review: 0.2, block: 0.9 }) : null,
        },
        policy: compilePolicy(extra.policy ?? null),
        recent: extra.recent,
      },
      { decode: (b) => jsonCodec.decode(b), validate: validateTransaction, explainTopK: 3, now: () => NOW },
    ),
  };
}

describe('evaluateChunk: decode, screen, view barrier, score', () => {
  it('scores every valid record once, in order, with one model call for the chunk', async () => {
    const records = Array.from({ length: 10 }, (_, i) => raw(jsonCodec.encode(tx(i)), 100 + i));
    const { champion, result } = run(records);
    const { scored, dead } = await result;
    expect(dead).toEqual([]);
    expect(champion.calls).toBe(1);
    expect(scored.map((s) => s.record.transaction.txId)).toEqual(records.map((_, i) => `tx-${i}`));
    expect(scored.map((s) => s.record.source?.offset)).toEqual(records.map((_, i) => 100 + i));
    const s4 = scored[4]!.record;
    expect(s4.score).toBeCloseTo(0.5, 5);
    expect(s4.decision).toBe('REVIEW');
    expect(s4.features).toHaveLength(cols);
    expect(s4.features[AMOUNT]).toBe(5_000);
    expect(s4.source).toEqual({ partition: 0, offset: 104, publishedAt: NOW - 5 });
    expect(s4.modelVersion).toBe('champ-1');
    expect(s4.featureSet).toBe(features.featureSet);
    expect([s4.reviewThreshold, s4.blockThreshold]).toEqual([0.5, 0.9]);
    expect(scored[9]!.record.decision).toBe('BLOCK');
    expect(scored[0]!.record.decision).toBe('APPROVE');
  });

  it('scores a card payment (unknown balances, type OTHER): balance features NaN, not dead-lettered', async () => {
    const card = tx(1, {
      type: 'OTHER',
      typeName: 'REFUND',
      originBalanceBefore: null,
      destBalanceBefore: null,
      merchantCategory: '5411',
      country: 'KE',
    });
    const { result } = run([raw(jsonCodec.encode(tx(0)), 1), raw(jsonCodec.encode(card), 2)]);
    const { scored, dead } = await result;
    expect(dead).toEqual([]);
    const row = scored[1]!.record;
    expect(row.transaction).toMatchObject({ type: 'OTHER', typeName: 'REFUND', originBalanceBefore: null });
    expect(row.features[features.featureNames.indexOf('orig_balance_before')]).toBeNaN();
    expect(row.features[features.featureNames.indexOf('amount_equals_orig_balance')]).toBeNaN();
    expect(row.features[AMOUNT]).toBe(2_000);
  });

  it("before computing features, waits for the spec's views with the valid records' newest times", async () => {
    const own = features.scratchState() as SpecState; // views of its own
    const calls: Array<{ eventTime: number; appendedBy: number; viewEvents: number }> = [];
    const waiting = {
      ...features,
      awaitInputs: async (eventTime: number, appendedBy: number) =>
        void calls.push({ eventTime, appendedBy, viewEvents: own.views.size().events }),
    };
    const state = specStates(0, waiting);
    state.set(waiting.hash, own);
    const records = [3, 1, 2].map((i) => ({
      ...raw(jsonCodec.encode(tx(i, { eventTime: NOW - 60_000 + i * 1_000 })), i),
      timestamp: String(NOW - 100 + i),
    }));
    // An invalid record with a later eventTime and timestamp does not count.
    records.push({ ...raw(jsonCodec.encode(tx(9, { amount: -1, eventTime: NOW })), 9), timestamp: String(NOW) });
    const { scored, dead } = await evaluateChunk(
      records,
      {
        topic: 'in',
        partition: 0,
        state,
        models: {
          champion: activeModel(fakeServing('c', cols, byAmount), 'CHAMPION', undefined, waiting),
          shadow: null,
        },
        policy: compilePolicy(null),
      },
      { decode: (b) => jsonCodec.decode(b), validate: validateTransaction, explainTopK: 3, now: () => NOW },
    );
    expect(calls).toEqual([{ eventTime: NOW - 60_000 + 3_000, appendedBy: NOW - 97, viewEvents: 0 }]);
    expect(scored).toHaveLength(3);
    expect(dead).toHaveLength(1);
    expect(own.views.size().events).toBe(3);
  });

  it('explains every REVIEW and BLOCK and no APPROVE', async () => {
    const { scored } = await run(Array.from({ length: 10 }, (_, i) => raw(jsonCodec.encode(tx(i)), i))).result;
    for (const s of scored) expect(s.record.reasons.length).toBe(s.record.decision === 'APPROVE' ? 0 : 3);
  });

  it('history: each row sees only earlier payments of its account, across chunks', async () => {
    const state = specStates(0);
    const count24 = features.featureNames.indexOf('orig_count_24h');
    const first = await run(
      [0, 1, 2, 3].map((i) => raw(jsonCodec.encode(tx(i * 3)), i)),
      state,
    ).result;
    expect(first.scored.map((s) => s.record.features[count24])).toEqual([0, 1, 2, 3]);
    const second = await run([raw(jsonCodec.encode(tx(12)), 4)], state).result;
    expect(second.scored[0]!.record.features[count24]).toBe(4);
  });

  it('dead-letters every kind of bad input with its code, original bytes and key; the rest still scores', async () => {
    const good = jsonCodec.encode(tx(1));
    const badMagic = Buffer.from(good);
    badMagic[0] = 7;
    const unknownSchema = Buffer.from(good);
    unknownSchema.writeInt32BE(99, 1);
    const cases: Array<[Buffer | null, string]> = [
      [badMagic, 'DECODE_WRONG_MAGIC'],
      [unknownSchema, 'DECODE_UNKNOWN_SCHEMA'],
      [Buffer.concat([good.subarray(0, 5), Buffer.from('{not json')]), 'DECODE_FAILED'],
      [Buffer.from([0, 0]), 'DECODE_TRUNCATED'],
      [null, 'DECODE_TRUNCATED'],
      [jsonCodec.encode(tx(2, { amount: -5 })), 'RECORD_INVALID'],
      [jsonCodec.encode(tx(3, { amount: Number.NaN })), 'RECORD_INVALID'],
      [jsonCodec.encode(tx(4, { originAccount: '' })), 'RECORD_INVALID'],
      [jsonCodec.encode(tx(5, { type: 'TELEPORT' as 'TRANSFER' })), 'RECORD_INVALID'],
      [jsonCodec.encode(tx(6, { eventTime: NOW + 30 * 24 * 3_600_000 })), 'RECORD_INVALID'],
    ];
    const records = [raw(good, 0), ...cases.map(([v], i) => raw(v, i + 1))];
    const { scored, dead } = await run(records).result;
    expect(scored).toHaveLength(1);
    expect(dead.map((d) => d.code)).toEqual(cases.map(([, r]) => r));
    expect(dead.map((d) => d.offset)).toEqual(cases.map((_, i) => String(i + 1)));
    for (const [i, d] of dead.entries()) {
      expect(d.value).toBe(cases[i]![0]);
      expect(d.key?.toString()).toBe(`k${i + 1}`);
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.headers).toEqual({ trace: 'abc' });
    }
    expect(dead[5]!.message).toMatch(/negative/);
    expect(dead[9]!.message).toMatch(/future/);
  });

  it('does not dead-letter infrastructure failures: they fail the chunk so it is retried', async () => {
    const records = [raw(jsonCodec.encode(tx(1)), 0)];
    const state = specStates(0);
    const champion = fakeServing('c', cols, byAmount);
    await expect(
      evaluateChunk(
        records,
        {
          topic: 'in',
          partition: 0,
          state,
          models: { champion: activeModel(champion), shadow: null },
          policy: compilePolicy(null),
        },
        {
          decode: async () => {
            throw new FraudError('REGISTRY_UNAVAILABLE', 'registry down', { retriable: true });
          },
          validate: validateTransaction,
          explainTopK: 3,
          now: () => NOW,
        },
      ),
    ).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
  });

  it('records the shadow score and its own decision without changing the champion decision', async () => {
    const { scored } = await run([raw(jsonCodec.encode(tx(0)), 0)], undefined, { shadow: true }).result;
    expect(scored[0]!.record.decision).toBe('APPROVE');
    expect(scored[0]!.record.shadow).toEqual({
      modelVersion: 'shadow-1',
      score: expect.closeTo(0.95, 5) as number,
      decision: 'BLOCK',
    });
  });

  it('a shadow on another spec scores its own vector; the state of a spec no model uses is dropped', async () => {
    const payments = compileFeatureSpec(loadFeatureSpec('payments-v1'));
    const card = specModule(payments, payments.createViews());
    const state = specStates(0);
    state.set(card.hash, card.createState(0));
    state.set('retired-spec', {});
    // Each model's score is its row width / 100: which vector it was given.
    const width = (row: Float32Array) => row.length / 100;
    const models = {
      champion: activeModel(fakeServing('c', cols, width)),
      shadow: activeModel(fakeServing('s', card.featureNames.length, width), 'SHADOW', undefined, card),
    };
    const { scored } = await evaluateChunk(
      [raw(jsonCodec.encode(tx(0)), 0), raw(jsonCodec.encode(tx(1)), 1)],
      { topic: 'in', partition: 0, state, models, policy: compilePolicy(null) },
      { decode: (b) => jsonCodec.decode(b), validate: validateTransaction, explainTopK: 3, now: () => NOW },
    );
    expect(scored[1]!.record.score).toBeCloseTo(cols / 100, 6);
    expect(scored[1]!.record.shadow?.score).toBeCloseTo(card.featureNames.length / 100, 6);
    expect(scored[1]!.record.features).toHaveLength(cols);
    expect([...state.keys()].sort()).toEqual([FS_V2.hash, card.hash].sort());
    // The card state was updated with the chunk: tx-3 (card C0 again) counts tx-0 in its day.
    const next = card.compute([tx(3)], state.get(card.hash) as SpecState);
    expect(next[card.featureNames.indexOf('cust_count_1d')]).toBe(1);
  });

  it('applies the live policy: overridden thresholds, lists and the amount rule are recorded', async () => {
    const policy = {
      reviewThreshold: 0.05,
      blockThreshold: 0.6,
      allowList: ['C1'],
      blockList: ['C-dest-0'],
      reviewAmountOver: null,
      updatedBy: 't',
      updatedAt: 1,
    };
    const { scored } = await run(
      [0, 1, 3, 5].map((i) => raw(jsonCodec.encode(tx(i)), i)),
      undefined,
      { policy },
    ).result;
    const by = Object.fromEntries(scored.map((s) => [s.record.transaction.txId, s.record]));
    expect(by['tx-0']).toMatchObject({ decision: 'BLOCK', rulesFired: ['block-list'] });
    expect(by['tx-1']).toMatchObject({ decision: 'APPROVE', rulesFired: ['allow-list'] });
    expect(by['tx-3']).toMatchObject({
      decision: 'REVIEW',
      rulesFired: [],
      reviewThreshold: 0.05,
      blockThreshold: 0.6,
    });
    expect(by['tx-5']).toMatchObject({ decision: 'BLOCK', rulesFired: [] });
    expect(by['tx-0']!.reasons).toHaveLength(3);
  });

  it('dead-letters a txId seen on the partition (earlier/same chunk) as DUPLICATE_TX_ID, state untouched', async () => {
    const recent = new RecentIds(1_000);
    const state = specStates(0);
    const first = await run(
      [0, 1, 2].map((i) => raw(jsonCodec.encode(tx(i)), i)),
      state,
      { recent },
    ).result;
    expect(first.dead).toEqual([]);
    // tx-1 again (a publisher's retry), tx-3 new, tx-3 again in the same chunk.
    const second = await run(
      [raw(jsonCodec.encode(tx(1)), 3), raw(jsonCodec.encode(tx(3)), 4), raw(jsonCodec.encode(tx(3)), 5)],
      state,
      { recent },
    ).result;
    expect(second.scored.map((s) => s.record.transaction.txId)).toEqual(['tx-3']);
    expect(second.dead.map((d) => [d.offset, d.code])).toEqual([
      ['3', 'DUPLICATE_TX_ID'],
      ['5', 'DUPLICATE_TX_ID'],
    ]);
    expect(second.dead[0]!.message).toMatch(/tx-1 was already scored on this partition/);
    // The repeat is not counted in the account's history: same features as a run without it.
    const clean = specStates(0);
    const expected = await run(
      [0, 1, 2, 3].map((i) => raw(jsonCodec.encode(tx(i)), i)),
      clean,
    ).result;
    expect(second.scored[0]!.record.features).toEqual(expected.scored[3]!.record.features);
  });

  it('remembers a bounded number of txIds, oldest forgotten first', () => {
    const r = new RecentIds(3);
    for (const id of ['a', 'b', 'c', 'b', 'd']) r.add(id);
    expect(['a', 'b', 'c', 'd'].map((id) => r.has(id))).toEqual([false, true, true, true]);
    expect(r.size).toBe(3);
    const off = new RecentIds(0);
    off.add('a');
    expect(off.has('a')).toBe(false);
  });

  it('screenChunk is pure and synchronous: payments, dead letters, newest eventTime and Kafka timestamp', () => {
    const records = [raw(jsonCodec.encode(tx(1)), 0), raw(null, 1), raw(jsonCodec.encode(tx(2)), 2)];
    records[2]!.timestamp = String(NOW - 1);
    const decoded = [
      { ok: true as const, payment: tx(1) },
      { ok: false as const, code: 'DECODE_TRUNCATED', message: 'no value' },
      { ok: true as const, payment: tx(2, { amount: -1 }) },
    ];
    const screened = screenChunk(records, decoded, {
      topic: 'in',
      partition: 4,
      validate: validateTransaction,
      now: NOW,
    });
    expect(screened.payments.map((p) => p.txId)).toEqual(['tx-1']);
    expect(screened.indexes).toEqual([0]);
    expect(screened.dead.map((d) => [d.offset, d.code, d.partition])).toEqual([
      ['1', 'DECODE_TRUNCATED', 4],
      ['2', 'RECORD_INVALID', 4],
    ]);
    expect(screened.newestEventTime).toBe(tx(1).eventTime);
    expect(screened.appendedBy).toBe(NOW - 5);
  });
});

describe('evaluateChunk: payments the synchronous path decided', () => {
  it('writes their decision and predicts only the others, on their own rows', async () => {
    const decidedOn = (i: number): ScoredTransaction => ({
      ...sampleScored(),
      transaction: tx(i),
      score: 0.01,
      decision: 'APPROVE',
      modelVersion: 'sync-1',
      source: null,
    });
    const records = Array.from({ length: 6 }, (_, i) => {
      const r = raw(jsonCodec.encode(tx(i)), 200 + i);
      if (i === 1 || i === 4) r.headers = { [DECIDED_HEADER]: Buffer.from(JSON.stringify(decidedOn(i))) };
      return r;
    });
    const champion = fakeServing('champ-1', cols, byAmount);
    const rows: number[] = [];
    const predict = champion.predict.bind(champion);
    champion.predict = async (m) => {
      rows.push(m.rows);
      return predict(m);
    };
    const pending = new Set(['tx-4']);
    const { scored, dead } = await evaluateChunk(
      records,
      {
        topic: 'in',
        partition: 0,
        state: specStates(0),
        pending,
        models: { champion: activeModel(champion), shadow: null },
        policy: compilePolicy(null),
      },
      {
        decode: (b) => jsonCodec.decode(b),
        decodeDecided: async (b) => JSON.parse(b.toString()) as ScoredTransaction,
        validate: validateTransaction,
        explainTopK: 3,
        now: () => NOW,
      },
    );
    expect(dead).toEqual([]);
    expect(pending.size).toBe(0);
    expect(scored.map((s) => s.record.transaction.txId)).toEqual(records.map((_, i) => `tx-${i}`));
    expect(scored.map((s) => s.record.source?.offset)).toEqual(records.map((_, i) => 200 + i));
    for (const i of [1, 4]) expect(scored[i]!.record).toMatchObject({ modelVersion: 'sync-1', score: 0.01 });
    expect(rows).toEqual([4]);
    // The fresh payments are scored on their own rows: score and features follow their amount.
    for (const i of [0, 2, 3, 5]) {
      expect(scored[i]!.record.modelVersion).toBe('champ-1');
      expect(scored[i]!.record.features[AMOUNT]).toBe((i + 1) * 1_000);
      expect(scored[i]!.record.score).toBeCloseTo(Math.min(1, ((i + 1) * 1_000) / 10_000), 5);
    }
  });
});
