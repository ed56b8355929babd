import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { fromDlqMessage } from '@fraud/kafka';
import { transactionalIdFor } from '../src/eos/kafka-port.ts';
import { expectFeaturesAsUninterrupted } from './assertions.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

/**
 * kafkajs's fetch position is not the truth: after a rebalance it re-reads the group's committed
 * offsets, and OffsetFetch (no KIP-447 requireStable in kafkajs) can return the offset from before
 * a transaction that has committed but whose markers are not written yet. The scorer must then
 * skip what it already committed. A seek back to 0 is the harshest form of that stale position.
 */
describe('scorer when its consumer is handed an old position', { timeout: 300_000 }, () => {
  let model: TinyModel;
  let p: Pipeline | undefined;
  beforeAll(async () => {
    model = await trainTinyModel('rewind-v1');
  });
  afterEach(async () => {
    await p?.cleanup();
    p = undefined;
  });

  it('never scores an input twice, even when kafkajs goes back to offset 0', async () => {
    p = await createPipeline('scorer-rewind', 3);
    const txs = makeTransactions(3_000, { seed: 21, runId: p.prefix, accounts: 200 });
    const scorer = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '200' });
    await p.publish(txs.slice(0, 1_500));
    await p.waitConsumed(1_500, 120_000);
    for (const partition of [0, 1, 2])
      scorer.loop.consumer.seek({ topic: p.topics.transactions, partition, offset: '0' });
    await p.publish(txs.slice(1_500));
    await p.waitConsumed(txs.length, 120_000);

    const ids = (await p.readScored()).map((s) => s.transaction.txId);
    const doubled = ids.length - new Set(ids).size;
    expect(doubled, 'inputs scored twice').toBe(0);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
  });

  it('a tx failing mid-stream (producer fenced) retries from the commit: none lost/twice, features kept', async () => {
    p = await createPipeline('scorer-fenced', 3);
    const pipeline = p;
    const txs = makeTransactions(6_000, { seed: 22, runId: p.prefix, accounts: 300 });
    const scorer = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '100' });
    const aborted = async () => (await scorer.metrics.aborted.get()).values.reduce((s, v) => s + v.value, 0);
    // Publish in slices and, between them, take every partition's transactional id away from
    // the scorer (InitProducerId bumps the epoch): its next commit on that partition fails.
    for (let slice = 0; slice < 3; slice++) {
      await p.publish(txs.slice(slice * 2_000, (slice + 1) * 2_000));
      await waitFor(
        async () => (await scorer.metrics.consumed.get()).values.reduce((s, v) => s + v.value, 0) > slice * 2_000 + 300,
        { timeoutMs: 60_000, what: 'the scorer to be busy with the slice' },
      );
      for (const partition of [0, 1, 2]) {
        const thief = pipeline.kafka.producer({
          transactionalId: transactionalIdFor(pipeline.groupId, pipeline.topics.transactions, partition),
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await thief.connect();
        await (await thief.transaction()).abort();
        await thief.disconnect();
      }
    }
    await p.waitConsumed(txs.length, 180_000);
    expect(await aborted(), 'transactions failed and were retried').toBeGreaterThan(0);
    const scored = await p.readScored();
    const ids = scored.map((s) => s.transaction.txId);
    expect(ids.length - new Set(ids).size, 'inputs scored twice').toBe(0);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
    expectFeaturesAsUninterrupted(scored);
  });

  it('a repeated txId (publisher retry) is dead-lettered as DUPLICATE_TX_ID, also after a restart', async () => {
    p = await createPipeline('scorer-dupes', 3);
    const txs = makeTransactions(600, { seed: 23, runId: p.prefix, accounts: 100 });
    const env = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '100' };
    const first = await p.startScorer(env);
    await p.publish(txs.slice(0, 500));
    await p.waitConsumed(500, 120_000);
    await p.publish(txs.slice(0, 20)); // retried while the same scorer runs
    await p.waitConsumed(520, 120_000);
    await first.stop();
    await p.startScorer(env); // restores the partitions (and their recent txIds) from scored
    await p.publish([...txs.slice(20, 50), ...txs.slice(500)]); // retried after the restart, then new ones
    await p.waitConsumed(650, 120_000);

    const ids = (await p.readScored()).map((s) => s.transaction.txId);
    expect(ids.length - new Set(ids).size, 'inputs scored twice').toBe(0);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
    const dlq = (await p.readDlq()).map((m) => fromDlqMessage(m));
    expect(dlq).toHaveLength(50);
    expect(new Set(dlq.map((h) => h.code))).toEqual(new Set(['DUPLICATE_TX_ID']));
  });
});
