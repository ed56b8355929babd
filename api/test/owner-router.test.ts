import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '@fraud/common';
import { partitionFor, type OwnerMap } from '@fraud/kafka';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import { scorerEnvSchema } from '@fraud/scorer/env';
import { apiEnvSchema, createDecisionWaiter, createKey, createOwnerRouter, type OwnerRouter } from '../src/index.ts';
import { scoredFor, startTestApi, testPayment, type TestApi } from '../src/testing.ts';
import { NO_CARD_FIELDS } from '@fraud/schemas/testing';

/**
 * Owner routing over real HTTP: local servers on 127.0.0.1 stand in for the scorer instances that
 * own the partitions (POST /v1/decide), the owner map is injected, and the Kafka path is the
 * HTTP-only stand-in of app.test.ts (a publish delivers the decision to the waiter shortly after).
 */
type Behaviour = 'decide' | 'not_owner' | 'not_ready' | 'decided_before' | 'invalid' | 'hang' | 'write_then_crash';

interface FakeOwner {
  url: string;
  behaviour: Behaviour;
  /** The bodies received, in order. */
  seen: Array<{ transaction: Transaction; deadlineMs: number }>;
  close(): Promise<void>;
}

const DEADLINE_MS = 300;
const logger = createLogger('owner-router-test', 'silent');
const owners: FakeOwner[] = [];
const waiter = createDecisionWaiter(1000);
const published: Transaction[] = [];
/** Decisions in the warehouse (recorded long ago). */
const recorded = new Map<string, ScoredTransaction>();
let scorerPaused = false;
/** What the scorer group looks like now; the router reads it when it refreshes. */
let truth: OwnerMap = emptyMap();
let reads = 0;
let router: OwnerRouter;
let api: TestApi;
let registry: Registry;
let key = '';

function emptyMap(partitions = 6): OwnerMap {
  return { partitions, owners: new Map(), readAt: Date.now(), groupState: 'Stable' };
}

/** Partitions `from`..`to` (inclusive) owned by `owner`, on top of `map`. */
function own(map: OwnerMap, owner: FakeOwner | string, from = 0, to = map.partitions - 1): OwnerMap {
  const url = typeof owner === 'string' ? owner : owner.url;
  const owners = new Map(map.owners);
  for (let p = from; p <= to; p++) owners.set(p, { memberId: `member-${url}`, decideUrl: url });
  return { ...map, owners };
}

async function fakeOwner(behaviour: Behaviour): Promise<FakeOwner> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as FakeOwner['seen'][number];
      owner.seen.push(body);
      const reply = (status: number, json: unknown) =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      const error = (status: number, code: string, message: string) => reply(status, { error: { code, message } });
      switch (owner.behaviour) {
        case 'decide':
          return reply(200, { scored: scoredFor(body.transaction, 'm-owner'), replayed: false, viewLagMs: 3 });
        case 'not_owner':
          return error(421, 'NOT_OWNER', 'partition moved');
        case 'not_ready':
          return error(503, 'NOT_READY', 'restoring');
        case 'decided_before':
          return error(409, 'DECIDED_BEFORE', 'decided before; no longer in memory');
        case 'invalid':
          return error(400, 'RECORD_INVALID', 'eventTime is more than 1 day in the future');
        case 'hang':
          return;
        case 'write_then_crash':
          // The decision is durable (it reaches the API's scored consumer) but the answer never leaves.
          setTimeout(() => waiter.deliver(scoredFor(body.transaction, 'm-owner-crashed')), 20);
          return void req.socket.destroy();
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const owner: FakeOwner = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    behaviour,
    seen: [],
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
  owners.push(owner);
  return owner;
}

let seq = 0;
/** A payment of an account of its own (C1, C2, ...), so payments spread over the partitions. */
const tx = (over: Partial<Transaction> = {}): Transaction =>
  testPayment({ txId: `or-${Date.now().toString(36)}-${seq++}`, originAccount: `C${seq}`, ...over });

interface Answer {
  txId: string;
  decision: string;
  fallback: boolean;
  modelVersion: string | null;
  routed: string;
  error?: { code: string; message: string };
}
async function submit(t: Transaction): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${api.base}/v1/transactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(t),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

/** The fraud_api_routed_total samples, as "route/outcome" -> count. */
async function routedCounts(): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('fraud_api_routed_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.route}/${v.labels.outcome}`, v.value]));
}
async function routedDelta(before: Record<string, number>): Promise<Record<string, number>> {
  const after = await routedCounts();
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );
}

/** The router sees `map` from now on. */
async function setOwners(map: OwnerMap): Promise<void> {
  truth = map;
  await router.refresh();
}

beforeAll(async () => {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'owner-router-')), 'keys.json');
  key = createKey(keyFile, 'switch', ['submit', 'read']).key;
  // A long period: every refresh in these tests is one the router forces or the test asks for.
  router = createOwnerRouter({
    readOwners: async () => {
      reads++;
      return { ...truth, owners: new Map(truth.owners), readAt: Date.now() };
    },
    refreshMs: 600_000,
    logger,
    minForcedRefreshGapMs: 0,
  });
  registry = new Registry();
  api = await startTestApi('owner-router-test', keyFile, {
    publishTransaction: async (t) => {
      published.push(t);
      if (!scorerPaused) setTimeout(() => waiter.deliver(scoredFor(t, 'm-stream')), 2);
    },
    lookupDecision: async (txId) => recorded.get(txId),
    waiter,
    router,
    registry,
    config: { deadlineMs: DEADLINE_MS, fallbackApproveUnder: 50_000, bodyLimit: '16kb', publicUrl: 'http://x' },
  });
});
afterAll(async () => {
  router.stop();
  await api.close();
  await Promise.all(owners.map((o) => o.close()));
});
beforeEach(() => {
  scorerPaused = false;
});

describe('owner routing through the decision API', () => {
  it("forwards each payment to its partition's owner and answers its decision, routed: owner", async () => {
    const a = await fakeOwner('decide');
    const b = await fakeOwner('decide');
    await setOwners(own(own(emptyMap(6), a, 0, 2), b, 3, 5));
    const before = await routedCounts();
    const txs = Array.from({ length: 12 }, (_, i) => tx({ originAccount: `acct-${i}`, amount: 2_000_000 }));
    for (const t of txs) {
      const { status, body } = await submit(t);
      expect(status).toBe(200);
      expect(body).toMatchObject({ txId: t.txId, decision: 'BLOCK', modelVersion: 'm-owner', routed: 'owner' });
      expect(body.fallback).toBe(false);
      const expected = partitionFor(t.originAccount, 6) < 3 ? a : b;
      // The parsed body with its defaults: the object the Kafka path would publish.
      expect(expected.seen.at(-1)?.transaction).toEqual({ ...t, ...NO_CARD_FIELDS });
      const { deadlineMs } = expected.seen.at(-1)!;
      expect(deadlineMs).toBeGreaterThan(0);
      expect(deadlineMs).toBeLessThanOrEqual(DEADLINE_MS);
    }
    expect(a.seen.length + b.seen.length).toBe(12);
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(published.filter((p) => txs.some((t) => t.txId === p.txId))).toEqual([]);
    expect(await routedDelta(before)).toEqual({ 'owner/decided': 12 });

    // The owner's answer is in the waiter: GET answers it at once, and a retry of the txId from the cache.
    const got = await fetch(`${api.base}/v1/decisions/${txs[0]!.txId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await got.json()).toMatchObject({ txId: txs[0]!.txId, modelVersion: 'm-owner' });
    const again = await submit(txs[0]!);
    expect(again.body).toMatchObject({ txId: txs[0]!.txId, modelVersion: 'm-owner', routed: 'cache' });
    expect(a.seen.length + b.seen.length).toBe(12);
  });

  it('after NOT_OWNER, refreshes the owners and the new owner answers', async () => {
    const old = await fakeOwner('not_owner');
    const next = await fakeOwner('decide');
    await setOwners(own(emptyMap(6), old));
    // The group has moved on; the router's map has not (until a forward fails).
    truth = own(emptyMap(6), next);
    const readsBefore = reads;
    const before = await routedCounts();
    const t = tx();
    const { status, body } = await submit(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({ txId: t.txId, routed: 'owner', modelVersion: 'm-owner', fallback: false });
    expect(old.seen.map((s) => s.transaction.txId)).toEqual([t.txId]);
    expect(next.seen.map((s) => s.transaction.txId)).toEqual([t.txId]);
    // The retry had less time left than the first forward.
    expect(next.seen[0]!.deadlineMs).toBeLessThanOrEqual(old.seen[0]!.deadlineMs);
    expect(reads).toBe(readsBefore + 1);
    expect(await routedDelta(before)).toEqual({ 'owner/not_owner': 1, 'owner_retry/decided': 1 });
    // The next payment goes straight to the new owner.
    expect((await submit(tx())).body.routed).toBe('owner');
    expect(old.seen).toHaveLength(1);
  });

  it('falls back to the Kafka path when the owner is down, answered routed: kafka', async () => {
    const dead = await fakeOwner('decide');
    await dead.close();
    await setOwners(own(emptyMap(6), dead));
    const before = await routedCounts();
    const t = tx();
    const { status, body } = await submit(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({ txId: t.txId, routed: 'kafka', modelVersion: 'm-stream', fallback: false });
    expect(published.filter((p) => p.txId === t.txId)).toHaveLength(1);
    // A refused connection is retried once (a kept-alive socket may have been closed under us), then Kafka.
    expect(await routedDelta(before)).toEqual({
      'owner/unreachable': 1,
      'owner_retry/unreachable': 1,
      'kafka/decided': 1,
    });
  });

  it('falls back at once, without a retry, when the owner is still restoring (NOT_READY)', async () => {
    const restoring = await fakeOwner('not_ready');
    await setOwners(own(emptyMap(6), restoring));
    const readsBefore = reads;
    const before = await routedCounts();
    const t = tx();
    expect((await submit(t)).body).toMatchObject({ txId: t.txId, routed: 'kafka', modelVersion: 'm-stream' });
    expect(restoring.seen).toHaveLength(1);
    expect(reads).toBe(readsBefore);
    expect(await routedDelta(before)).toEqual({ 'owner/not_ready': 1, 'kafka/decided': 1 });
  });

  it('answers a txId the owner decided too long ago (DECIDED_BEFORE) with the recorded decision', async () => {
    const forgetful = await fakeOwner('decided_before');
    await setOwners(own(emptyMap(6), forgetful));
    scorerPaused = true;
    const t = tx({ amount: 2_000_000 });
    recorded.set(t.txId, scoredFor(t, 'm-last-month'));
    const before = await routedCounts();
    const { status, body } = await submit(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({ txId: t.txId, modelVersion: 'm-last-month', fallback: false, routed: 'kafka' });
    expect(forgetful.seen).toHaveLength(1);
    expect(await routedDelta(before)).toEqual({ 'owner/decided_before': 1, 'kafka/decided': 1 });
  });

  it('takes the Kafka path when no owner is known or the owner advertises no endpoint', async () => {
    await setOwners(emptyMap(6));
    const before = await routedCounts();
    expect((await submit(tx())).body).toMatchObject({ routed: 'kafka', modelVersion: 'm-stream' });
    await setOwners({
      ...emptyMap(1),
      owners: new Map([[0, { memberId: 'old-scorer', decideUrl: null }]]),
    });
    expect((await submit(tx())).body).toMatchObject({ routed: 'kafka', modelVersion: 'm-stream' });
    expect(await routedDelta(before)).toEqual({ 'owner/no_owner': 2, 'kafka/decided': 2 });
  });

  it("passes the owner's RECORD_INVALID through as a 400 with its message, publishing nothing", async () => {
    const strict = await fakeOwner('invalid');
    await setOwners(own(emptyMap(6), strict));
    const t = tx({ eventTime: Date.now() + 3 * 86_400_000 });
    const { status, body } = await submit(t);
    expect(status).toBe(400);
    expect(body.error).toEqual({ code: 'RECORD_INVALID', message: 'eventTime is more than 1 day in the future' });
    expect(published.filter((p) => p.txId === t.txId)).toEqual([]);
  });

  it('never hangs on an owner that never answers: the deadline ends it with the flagged fallback', async () => {
    const stuck = await fakeOwner('hang');
    await setOwners(own(emptyMap(6), stuck));
    scorerPaused = true;
    const before = await routedCounts();
    const t = tx({ amount: 100 });
    const { status, body } = await submit(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({ txId: t.txId, decision: 'APPROVE', fallback: true, routed: 'kafka' });
    // Still published: the stream decides it later, and records it.
    expect(published.filter((p) => p.txId === t.txId)).toHaveLength(1);
    expect(await routedDelta(before)).toEqual({ 'owner/timeout': 1, 'kafka/deadline': 1 });
  });

  it('answers the decision of an owner that wrote it and crashed before answering, from scored', async () => {
    const crashing = await fakeOwner('write_then_crash');
    await setOwners(own(emptyMap(6), crashing));
    // The stream scorer dead-letters the republished copy as DUPLICATE_TX_ID: it delivers nothing new.
    scorerPaused = true;
    const t = tx({ amount: 2_000_000 });
    const { status, body } = await submit(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({ txId: t.txId, decision: 'BLOCK', modelVersion: 'm-owner-crashed', routed: 'kafka' });
    expect(body.fallback).toBe(false);
    expect(published.filter((p) => p.txId === t.txId)).toHaveLength(1);
  });
});

describe('the owner router on its own', () => {
  it("looks for the scorers in the scorer's own default group", () => {
    expect(apiEnvSchema.parse({}).SCORER_GROUP_ID).toBe(scorerEnvSchema.parse({}).SCORER_GROUP_ID);
    expect(apiEnvSchema.parse({}).API_ROUTE_MODE).toBe('owner');
  });

  it('coalesces the refreshes forced by many failing requests', async () => {
    const wrong = await fakeOwner('not_owner');
    let slowReads = 0;
    const map = own(emptyMap(6), wrong);
    const r = createOwnerRouter({
      readOwners: async () => {
        slowReads++;
        await new Promise((res) => setTimeout(res, 30));
        return { ...map, readAt: Date.now() };
      },
      refreshMs: 600_000,
      logger,
      minForcedRefreshGapMs: 10_000,
    });
    try {
      await r.refresh();
      const answers = await Promise.all(Array.from({ length: 50 }, () => r.route(tx(), 1_000)));
      expect(answers.every((a) => a.result.kind === 'fallback')).toBe(true);
      expect(answers.every((a) => a.attempts.join() === 'not_owner')).toBe(true);
      // The first read, and at most one forced by the 50 failures.
      expect(slowReads).toBeLessThanOrEqual(2);
    } finally {
      r.stop();
    }
  });

  it('keeps the last map when a read fails', async () => {
    const ok = await fakeOwner('decide');
    let fail = false;
    const r = createOwnerRouter({
      readOwners: async () => {
        if (fail) throw new Error('broker down');
        return own(emptyMap(6), ok);
      },
      refreshMs: 600_000,
      logger,
    });
    try {
      await r.refresh();
      fail = true;
      await r.refresh();
      expect(r.current()?.owners.size).toBe(6);
      const a = await r.route(tx(), 1_000);
      expect(a).toMatchObject({ result: { kind: 'decided', replayed: false, viewLagMs: 3 }, attempts: ['decided'] });
    } finally {
      r.stop();
    }
  });
});
