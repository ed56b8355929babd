import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Label, ScoredTransaction, Transaction } from '@fraud/schemas';
import { createDecisionWaiter, createKey, createRateLimiter } from '../src/index.ts';
import { scoredFor, startTestApi, testPayment, type TestApi } from '../src/testing.ts';

/**
 * The HTTP layer on its own: validation, auth, scopes, limits, idempotency, fallback and the
 * OpenAPI document. The Kafka path is covered by api/test/api-kafka.test.ts.
 */
const dir = mkdtempSync(join(tmpdir(), 'api-keys-'));
const keyFile = join(dir, 'keys.json');
const submit = createKey(keyFile, 'switch', ['submit', 'read']).key;
const labeler = createKey(keyFile, 'backoffice', ['label']).key;
const published: Transaction[] = [];
const labels: Label[] = [];
let scorerPaused = false;
/** Decisions "in the warehouse" from before this process started (a client retry after a restart). */
const recorded = new Map<string, ScoredTransaction>();
let base = '';
let api: TestApi;
const waiter = createDecisionWaiter(1000);

beforeAll(async () => {
  api = await startTestApi('api-test', keyFile, {
    publishTransaction: async (tx) => {
      published.push(tx);
      // Stands in for the scorer in this HTTP-only test: the decision arrives asynchronously.
      if (!scorerPaused) setTimeout(() => waiter.deliver(scoredFor(tx)), 2);
    },
    publishLabel: async (l) => void labels.push(l),
    lookupDecision: async (txId) => recorded.get(txId),
    ready: async () => ({ ok: true, checks: { broker: true } }),
    waiter,
    config: { deadlineMs: 200, fallbackApproveUnder: 50_000, bodyLimit: '4kb', publicUrl: 'http://127.0.0.1' },
  });
  base = api.base;
});
afterAll(() => api.close());

const post = (path: string, body: unknown, key?: string, raw?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: raw ?? JSON.stringify(body),
  });

describe('decision API over HTTP', () => {
  it('returns the stream decision for a valid transaction', async () => {
    const t = testPayment({ amount: 5_000_000 });
    const res = await post('/v1/transactions', t, submit);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      decision: string;
      fallback: boolean;
      modelVersion: string;
      reasons: unknown[];
    };
    expect(body).toMatchObject({ decision: 'BLOCK', fallback: false, modelVersion: 'm-test' });
    expect(body.reasons).toHaveLength(1);
  });

  it('accepts a card payment without balances and publishes it with them null (unknown)', async () => {
    const { originBalanceBefore: _o, destBalanceBefore: _d, ...card } = testPayment({ type: 'CARD_PRESENT' });
    const body = { ...card, merchantId: 'M-42', merchantCategory: '5411', terminalId: 'T-7', country: 'KE' };
    const res = await post('/v1/transactions', body, submit);
    expect(res.status).toBe(200);
    expect(published.find((p) => p.txId === card.txId)).toMatchObject({
      type: 'CARD_PRESENT',
      originBalanceBefore: null,
      destBalanceBefore: null,
      merchantCategory: '5411',
      country: 'KE',
      deviceId: null,
    });
  });

  it('answers a retry decided before this process started from the warehouse, with the scorer silent', async () => {
    const t = testPayment({ amount: 7_000_000 });
    recorded.set(t.txId, { ...scoredFor(t), modelVersion: 'm-before-restart' });
    scorerPaused = true;
    try {
      const res = await post('/v1/transactions', t, submit);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        txId: t.txId,
        decision: 'BLOCK',
        fallback: false,
        modelVersion: 'm-before-restart',
      });
      // Asked beside the publish, not in front of it: the copy goes out (the scorer dead-letters it as a duplicate).
      expect(published.filter((p) => p.txId === t.txId)).toHaveLength(1);
    } finally {
      scorerPaused = false;
    }
  });

  it('is idempotent: the same txId twice gives the same answer and one publication', async () => {
    const t = testPayment();
    const a = await (await post('/v1/transactions', t, submit)).json();
    const b = await (await post('/v1/transactions', t, submit)).json();
    expect(b).toMatchObject({ decision: (a as { decision: string }).decision, txId: t.txId });
    expect(published.filter((p) => p.txId === t.txId)).toHaveLength(1);
  });

  it('answers with the flagged fallback when the deadline passes', async () => {
    scorerPaused = true;
    try {
      const small = await (await post('/v1/transactions', testPayment({ amount: 100 }), submit)).json();
      const large = await (await post('/v1/transactions', testPayment({ amount: 9_000_000 }), submit)).json();
      expect(small).toMatchObject({ decision: 'APPROVE', fallback: true, score: null });
      expect(large).toMatchObject({ decision: 'REVIEW', fallback: true });
    } finally {
      scorerPaused = false;
    }
  });

  it.each([
    [
      'missing field',
      (() => {
        const { amount: _a, ...rest } = testPayment();
        return rest;
      })(),
      'amount',
    ],
    ['negative amount', testPayment({ amount: -5 }), 'amount'],
    ['fractional minor units', testPayment({ amount: 1.5 }), 'amount'],
    ['unknown type', { ...testPayment(), type: 'WIRE' }, 'type'],
    ['negative balance', testPayment({ originBalanceBefore: -1 }), 'originBalanceBefore'],
    ['three-digit MCC', { ...testPayment(), merchantCategory: '541' }, 'merchantCategory'],
    ['lower-case country', { ...testPayment(), country: 'ke' }, 'country'],
    ['bad currency', testPayment({ currency: 'usd' }), 'currency'],
    ['injection in account', testPayment({ originAccount: "C1'; DROP TABLE scored;--" }), 'originAccount'],
    ['unknown field', { ...testPayment(), newbalanceOrig: 1 }, 'newbalanceOrig'],
  ])('rejects a body with %s: 400 naming the field', async (_name, body, field) => {
    const res = await post('/v1/transactions', body, submit);
    expect(res.status).toBe(400);
    const b = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(b.error.code).toBe('INVALID_BODY');
    expect(b.error.field).toBe(field);
  });

  it('rejects bad JSON (400) and oversized bodies (413) with structured errors', async () => {
    const bad = await post('/v1/transactions', undefined, submit, '{"txId": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_JSON');
    const big = await post('/v1/transactions', { ...testPayment(), attributes: { x: 'y'.repeat(10_000) } }, submit);
    expect(big.status).toBe(413);
  });

  it('needs a key (401), the right scope (403)', async () => {
    expect((await post('/v1/transactions', testPayment())).status).toBe(401);
    expect((await post('/v1/transactions', testPayment(), 'fk_abcdefgh_' + 'x'.repeat(32))).status).toBe(401);
    expect((await post('/v1/transactions', testPayment(), labeler)).status).toBe(403);
    expect((await post('/v1/labels', { txId: 't1', isFraud: true }, submit)).status).toBe(403);
  });

  it('publishes chargeback labels with the key as author', async () => {
    const res = await post('/v1/labels', { txId: 't-label', isFraud: true, note: 'chargeback 123' }, labeler);
    expect(res.status).toBe(202);
    expect(labels.at(-1)).toMatchObject({
      txId: 't-label',
      isFraud: true,
      source: 'CHARGEBACK',
      author: 'api:backoffice',
    });
  });

  it('serves recorded decisions by txId and 404 for unknown ones', async () => {
    const t = testPayment({ amount: 7_000_000 });
    await post('/v1/transactions', t, submit);
    const hit = await fetch(`${base}/v1/decisions/${t.txId}`, { headers: { authorization: `Bearer ${submit}` } });
    expect(await hit.json()).toMatchObject({ txId: t.txId, decision: 'BLOCK' });
    const miss = await fetch(`${base}/v1/decisions/nope`, { headers: { authorization: `Bearer ${submit}` } });
    expect(miss.status).toBe(404);
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    const limiter = createRateLimiter(1, 2);
    expect(limiter.take('k', 0).ok).toBe(true);
    expect(limiter.take('k', 0).ok).toBe(true);
    const third = limiter.take('k', 0);
    expect(third.ok).toBe(false);
    expect(limiter.take('k', 1500).ok).toBe(true);
  });

  it('serves an OpenAPI document that validates and matches the routes', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/health',
      '/metrics',
      '/ready',
      '/v1/decisions/{txId}',
      '/v1/labels',
      '/v1/transactions',
    ]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const url = `${base}${path.replace('{txId}', 'x')}`;
        const res = await fetch(url, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          body: method === 'post' ? '{}' : undefined,
        });
        expect(res.status, `${method} ${path} must be routed`).not.toBe(404);
      }
    }
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui-bundle.js');
    expect((await fetch(`${base}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });
});

describe('natural batching of publications', () => {
  it('sends the first item at once and groups those that arrive during a send, in order', async () => {
    const { createBatcher } = await import('../src/batcher.ts');
    const sends: number[][] = [];
    let release: () => void = () => {};
    const b = createBatcher<number>(
      async (items) => {
        sends.push(items);
        if (sends.length === 1) await new Promise<void>((r) => (release = r));
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const all = [1, 2, 3, 4, 5, 6].map((i) => b.add(i));
    release();
    await Promise.all(all);
    expect(sends).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('rejects every item of a failed send', async () => {
    const { createBatcher } = await import('../src/batcher.ts');
    const b = createBatcher<number>(
      async () => {
        throw new Error('broker down');
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    await expect(b.add(1)).rejects.toThrow('broker down');
  });
});
