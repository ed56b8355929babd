import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { io as connect, type Socket } from 'socket.io-client';
import { createLogger, waitFor } from '@fraud/common';
import type { FeedStats } from '../src/live/aggregator.ts';
import { createLiveFeed } from '../src/live/feed-server.ts';
import { sampleDraw } from '../src/live/sink.ts';
import { signFeedToken } from '../src/live/token.ts';
import { startSink, type RunningSink } from '../src/service.ts';
import { scoredRecord } from './fixtures.ts';
import { pipelineSlice, type PipelineSlice } from './helpers.ts';

const SECRET = 'live-feed-test-secret-0123456789';
const RATE = 0.25;

function client(url: string, token?: string): Socket {
  return connect(url, {
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    reconnection: false,
    forceNew: true,
  });
}

function connectError(s: Socket): Promise<{ message: string; data?: { code?: string } }> {
  return new Promise((resolve, reject) => {
    s.once('connect', () => reject(new Error('connected without a valid token')));
    s.once('connect_error', (e: Error & { data?: { code?: string } }) => resolve({ message: e.message, data: e.data }));
  });
}

describe('live feed over Socket.io from the real broker', () => {
  let slice: PipelineSlice;
  let sink: RunningSink;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    slice = await pipelineSlice('live');
    const env = slice.env({
      LIVE_FEED_SECRET: SECRET,
      LIVE_FROM_BEGINNING: 'true',
      LIVE_APPROVE_SAMPLE_RATE: String(RATE),
    });
    sink = await startSink('live', { env, logger: createLogger('live-test', 'warn'), codecs: slice.codecs });
    await waitFor(async () => (await fetch(`${sink.url}/health`)).ok, {
      timeoutMs: 30_000,
      what: 'live sink joined its group',
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await sink.stop();
    await slice.cleanup();
  });

  it('refuses connections without a valid token', async () => {
    const none = client(sink.url);
    const expired = client(
      sink.url,
      signFeedToken(SECRET, { sub: 'eve', role: 'analyst', exp: Math.floor(Date.now() / 1000) - 5 }),
    );
    const forged = client(
      sink.url,
      signFeedToken('another-secret-0123456789abcdef', {
        sub: 'eve',
        role: 'admin',
        exp: Math.floor(Date.now() / 1000) + 60,
      }),
    );
    sockets.push(none, expired, forged);
    expect(await connectError(none)).toMatchObject({ data: { code: 'AUTH_REQUIRED' } });
    expect(await connectError(expired)).toMatchObject({
      message: expect.stringContaining('expired'),
      data: { code: 'FORBIDDEN' },
    });
    expect(await connectError(forged)).toMatchObject({ data: { code: 'FORBIDDEN' } });
  });

  it('delivers every REVIEW/BLOCK, the sampled approvals and the one-second aggregates within 2 s', async () => {
    const s = client(
      sink.url,
      signFeedToken(SECRET, { sub: 'alice', role: 'analyst', exp: Math.floor(Date.now() / 1000) + 300 }),
    );
    sockets.push(s);
    const decisions = new Map<string, Record<string, unknown>>();
    const stats: FeedStats[] = [];
    s.on('decision', (d: Record<string, unknown>) => decisions.set(String(d.txId), d));
    s.on('stats', (st: FeedStats) => stats.push(st));
    await new Promise<void>((r, j) => {
      s.once('connect', () => r());
      s.once('connect_error', j);
    });

    // Warm up: the first fetch of a fresh group (offsets, leaders) is not what is measured here.
    await slice.sendScored([scoredRecord(`${slice.prefix}warm`, 9, { decision: 'BLOCK' })]);
    await waitFor(() => decisions.has(`${slice.prefix}warm-tx-9`), {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the warm-up decision',
    });
    const warmedAt = Date.now();
    // Stats windows are counted from the first one that started after the warm-up arrived.
    await waitFor(() => stats.some((st) => st.at > warmedAt), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'a stats window after the warm-up',
    });
    decisions.clear();

    const now = Date.now();
    const recs = Array.from({ length: 400 }, (_, i) =>
      scoredRecord(slice.prefix, i, { scoredAt: now, source: { partition: 0, offset: i, publishedAt: now - 25 } }),
    );
    const expected = recs
      .filter((r) => r.decision !== 'APPROVE' || sampleDraw(r.transaction.txId) < RATE)
      .map((r) => r.transaction.txId);
    expect(expected.length).toBeLessThan(recs.length); // some approvals are really left out
    await slice.sendScored(recs);
    const published = Date.now();

    await waitFor(() => expected.every((id) => decisions.has(id)), {
      timeoutMs: 2_000,
      intervalMs: 20,
      what: `all ${expected.length} REVIEW/BLOCK and sampled APPROVE decisions on the socket`,
    }).catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}; got ${expected.filter((id) => decisions.has(id)).length} ` +
          `after ${Date.now() - published} ms`,
      );
    });
    const after = () => stats.filter((st) => st.at > warmedAt);
    await waitFor(
      () =>
        after().reduce((a, st) => a + st.decisions.APPROVE + st.decisions.REVIEW + st.decisions.BLOCK, 0) ===
        recs.length,
      {
        timeoutMs: 2_000 - Math.min(1_999, Date.now() - published),
        intervalMs: 20,
        what: 'aggregates covering every published record',
      },
    );

    expect(decisions.size).toBe(expected.length);
    const blocked = recs.find((r) => r.decision === 'BLOCK')!;
    expect(decisions.get(blocked.transaction.txId)).toMatchObject({
      decision: 'BLOCK',
      amount: blocked.transaction.amount,
      score: blocked.score,
      latencyMs: 25,
      reasons: blocked.reasons,
    });
    const busy = after().filter((st) => st.decisions.APPROVE + st.decisions.REVIEW + st.decisions.BLOCK > 0);
    expect(
      busy.every(
        (st) => st.latencyP50Ms === 25 && st.latencyP99Ms === 25 && st.modelVersion === 'm-1' && st.txPerSecond > 0,
      ),
    ).toBe(true);
    const flagged = recs.filter((r) => r.decision !== 'APPROVE').length;
    expect(busy.reduce((a, st) => a + st.decisions.REVIEW + st.decisions.BLOCK, 0)).toBe(flagged);
  });
});

describe('slow clients never slow the feed', () => {
  let server: Server;
  let url: string;
  const registry = new Registry();
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('drops the oldest events of a stalled client, counts them, and keeps the fast client whole', async () => {
    const feed = createLiveFeed({
      server,
      corsOrigins: [],
      clientBuffer: 50,
      registry,
      logger: createLogger('feed', 'silent'),
    });
    const fast = client(url);
    const slow = client(url);
    const fastGot: number[] = [];
    const slowGot: number[] = [];
    fast.on('decision', (d: { seq: number }) => fastGot.push(d.seq));
    slow.on('decision', (d: { seq: number }) => slowGot.push(d.seq));
    await Promise.all([fast, slow].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));
    // Stall the slow client: stop reading its TCP socket, so the server's writes back up.
    const raw = (slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws
      ._socket;
    raw.pause();

    const TOTAL = 3000;
    const pad = 'x'.repeat(8 * 1024);
    for (let seq = 0; seq < TOTAL; seq++) {
      feed.publishDecision({ seq, pad });
      if (seq % 10 === 9) await new Promise((r) => setTimeout(r, 1)); // bursts of 10: a fast client keeps up
    }

    await waitFor(() => fastGot.length === TOTAL, { timeoutMs: 30_000, what: 'the fast client to get every event' });
    expect(fastGot).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    const dropped = (await registry.getSingleMetric('fraud_live_dropped_total')!.get()).values[0]!.value;
    expect(dropped).toBeGreaterThan(0);

    raw.resume();
    await waitFor(() => slowGot.at(-1) === TOTAL - 1, {
      timeoutMs: 30_000,
      what: 'the slow client to catch up with the newest event',
    });
    expect(slowGot.length).toBeLessThan(TOTAL);
    expect(slowGot.length + dropped).toBe(TOTAL); // every event was either delivered or counted as dropped
    expect(slowGot).toEqual([...slowGot].sort((a, b) => a - b)); // order kept, gaps only
    fast.disconnect();
    slow.disconnect();
    await feed.close();
  });
});
