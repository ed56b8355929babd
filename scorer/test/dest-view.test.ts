import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { FEATURE_NAMES, createDestinationView, noDestHistory, partitionOf } from '@fraud/model';
import { validateTransaction, type Transaction } from '@fraud/schemas';
import { startDestViewFeed, type DestViewFeed } from '../src/dest-view.ts';
import { createScorerMetrics } from '../src/metrics.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { trainTinyModel, type TinyModel } from './model-fixture.ts';

const H = 3_600_000;
const col = (name: string): number => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);

function transfer(i: number, origin: string, dest: string, eventTime: number, runId: string): Transaction {
  return {
    txId: `${runId}-${i}`,
    eventTime,
    type: 'TRANSFER',
    amount: 10_000 + i,
    currency: 'USD',
    originAccount: origin,
    originBalanceBefore: 50_000,
    destAccount: dest,
    destBalanceBefore: 1_000 * i,
    channel: null,
    attributes: {},
  };
}

/** `n` origin accounts that the default partitioner spreads over every one of `partitions`. */
function originsOverPartitions(n: number, partitions: number, tag: string): string[] {
  const out: string[] = [];
  for (let k = 0; out.length < n; k++) {
    const name = `C-${tag}-${k}`;
    if (partitionOf(name, partitions) === out.length % partitions) out.push(name);
  }
  return out;
}

describe('global destination view (fs-v2) on the real broker', () => {
  let p: Pipeline;
  let model: TinyModel;
  beforeAll(async () => {
    p = await createPipeline('dest-view', 3);
    model = await trainTinyModel('dest-view-v1');
  });
  afterAll(async () => p?.cleanup());

  it('a transfer into a mule sees the inbounds that arrived through the other partitions', async () => {
    const svc = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '1' });
    const origins = originsOverPartitions(12, 3, p.prefix);
    const t0 = Date.now() - H;
    const txs = origins.map((o, i) => transfer(i, o, 'C-mule-1', t0 + i * 60_000, p.prefix));
    // One at a time, in event-time order: each must be scored seeing all the earlier ones.
    for (const tx of txs) await p.publish([tx]);
    await p.waitConsumed(txs.length);
    const scored = (await p.readScored()).sort((a, b) => a.transaction.eventTime - b.transaction.eventTime);
    expect(new Set(scored.map((s) => s.source!.partition))).toEqual(new Set([0, 1, 2]));
    expect(scored.map((s) => s.features[col('dest_in_count_24h')])).toEqual(txs.map((_, i) => i));
    expect(scored.map((s) => s.features[col('dest_fanin_24h')])).toEqual(txs.map((_, i) => i));
    expect(scored.map((s) => s.features[col('dest_in_transfer_24h')])).toEqual(txs.map((_, i) => i));
    // The previous inbound is the one a minute earlier, whichever partition it came through.
    expect(scored.slice(1).map((s) => s.features[col('dest_secs_since_prev_in')])).toEqual(txs.slice(1).map(() => 60));
    // destination balance now - (balance before the previous inbound + its amount)
    expect(scored.slice(1).map((s) => s.features[col('dest_balance_gap')])).toEqual(
      txs.slice(1).map((t, i) => (t.destBalanceBefore ?? NaN) - ((txs[i]!.destBalanceBefore ?? NaN) + txs[i]!.amount)),
    );
    const text = await (await fetch(`http://127.0.0.1:${svc.metricsPort}/metrics`)).text();
    expect(text).toMatch(/fraud_scorer_dest_view_size\{kind="events"[^}]*\} 12/);
    await svc.stop();
  });
});

describe('destination view feed', () => {
  let p: Pipeline;
  const logger = createLogger('dest-view-test', 'warn');
  const feeds: DestViewFeed[] = [];
  beforeAll(async () => {
    p = await createPipeline('dest-view-feed', 2);
  });
  afterAll(async () => {
    for (const f of feeds) await f.stop();
    await p?.cleanup();
  });

  const start = async (lookbackMs = 26 * H) => {
    const view = createDestinationView();
    const metrics = createScorerMetrics(new Registry());
    const feed = await startDestViewFeed({
      kafka: p.kafka,
      topic: p.topics.transactions,
      groupId: uniqueName('view'),
      view,
      lookbackMs,
      metrics,
      logger,
      decode: (b) => p.codecs.transaction.decode(b),
      validate: validateTransaction,
    });
    feeds.push(feed);
    return { view, feed, metrics };
  };

  it('starts at the lookback by record timestamp, skips invalid records, knows when it has all before T', async () => {
    const now = Date.now();
    const [a, b] = originsOverPartitions(2, 2, `${p.prefix}feed`);
    const old = transfer(1, a!, 'C-dest-old', now - 2 * H, p.prefix);
    const recent = transfer(2, a!, 'C-dest-new', now - 2 * H, p.prefix);
    const invalid = { ...transfer(3, b!, 'C-dest-new', now - H, p.prefix), amount: -5 };
    const enc = (t: Transaction) => p.codecs.transaction.encode(t);
    const producer = p.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: p.topics.transactions,
      messages: [
        // Kafka record timestamps: 30 h ago (outside the 26 h lookback) and now.
        { key: old.originAccount, value: enc(old), timestamp: String(now - 30 * H) },
        { key: recent.originAccount, value: enc(recent) },
        { key: invalid.originAccount, value: enc(invalid) },
      ],
    });
    const { view, feed, metrics } = await start();
    await feed.caughtUp;
    expect(view.size().events).toBe(1);
    const out = noDestHistory();
    expect(view.lookup('C-dest-new', now, out).inCount24h).toBe(1);
    expect(view.lookup('C-dest-old', now, out).inCount24h).toBe(0);
    expect((await metrics.viewSkipped.get()).values[0]?.value).toBe(1);

    // Both partitions are read to their end (probed after the call): ready for any later T.
    expect(await feed.waitFor(now + H, 5_000)).toBe('ready');

    // A view that cannot keep up (its decoding held back here) makes a batch wait until the
    // deadline, then counts it as lagging; once it catches up, it is ready without waiting it out.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { metrics: createScorerMetrics(new Registry()) };
    const slowFeed = await startDestViewFeed({
      kafka: p.kafka,
      topic: p.topics.transactions,
      groupId: uniqueName('view'),
      view: createDestinationView(),
      lookbackMs: 26 * H,
      metrics: slow.metrics,
      logger,
      decode: async (buf) => {
        await gate;
        return p.codecs.transaction.decode(buf);
      },
      validate: validateTransaction,
    });
    feeds.push(slowFeed);
    await producer.send({
      topic: p.topics.transactions,
      messages: [{ key: a!, value: enc(transfer(4, a!, 'C-dest-new', now + 2 * H, p.prefix)) }],
    });
    expect(await slowFeed.waitFor(now + 3 * H, 300)).toBe('lagging');
    expect((await slow.metrics.viewLagging.get()).values[0]?.value).toBe(1);
    const waiting = slowFeed.waitFor(now + 3 * H, 20_000);
    release();
    expect(await waiting).toBe('ready');
    expect((await slow.metrics.viewLagging.get()).values[0]?.value).toBe(1);
    // A registry outage is not a bad record: the batch is read again and nothing is skipped.
    let outages = 2;
    const flaky = { view: createDestinationView(), metrics: createScorerMetrics(new Registry()) };
    const flakyFeed = await startDestViewFeed({
      kafka: p.kafka,
      topic: p.topics.transactions,
      groupId: uniqueName('view'),
      view: flaky.view,
      lookbackMs: 26 * H,
      metrics: flaky.metrics,
      logger,
      decode: async (buf) => {
        if (outages > 0) {
          outages--;
          throw new Error('registry unavailable (injected)');
        }
        return p.codecs.transaction.decode(buf);
      },
      validate: validateTransaction,
    });
    feeds.push(flakyFeed);
    await waitFor(() => flaky.view.size().events === 2, {
      timeoutMs: 60_000,
      what: 'the flaky feed to hold both valid records after the outage',
    });
    expect(outages).toBe(0);
    expect((await flaky.metrics.viewSkipped.get()).values[0]?.value).toBe(1); // only the invalid record
    expect(flakyFeed.healthy()).toBe(true);

    // The first feed reads the new record too.
    await waitFor(() => view.size().events === 2, { timeoutMs: 10_000, what: 'the new record in the view' });
    await producer.disconnect();
  });
});
