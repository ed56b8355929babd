import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { freePort } from '@fraud/common/testing';
import { committedTotal, createPipeline, type Pipeline } from './harness.ts';
import { expectFeaturesAsUninterrupted } from './assertions.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';
import { killed, metricValue as metric } from './processes.ts';

/**
 * Snapshots on the compacted `scorer-state` topic: a scorer killed mid-run leaves committed
 * snapshots (and maybe an aborted one); the next owner restores each partition from the newest
 * committed snapshot plus the tail of scored after it, and the features it then computes equal
 * one uninterrupted run.
 */
describe('state restore from snapshots', { timeout: 600_000 }, () => {
  let model: TinyModel;
  let p: Pipeline | undefined;
  beforeAll(async () => {
    model = await trainTinyModel('snapshot-v1');
  });
  afterEach(async () => {
    await p?.cleanup();
    p = undefined;
  });

  it('kill -9, restart: a snapshot and a short tail; every input once; features as uninterrupted', async () => {
    p = await createPipeline('scorer-snap');
    const pipeline = p;
    const txs = makeTransactions(16_000, { seed: 11, runId: p.prefix, accounts: 400 });
    await p.publish(txs.slice(0, 10_000));
    const env = {
      MODEL_BOOTSTRAP_DIR: model.dir,
      SCORER_MAX_BATCH: '100',
      SCORER_PARTITIONS_CONCURRENTLY: '1',
      SCORER_SNAPSHOT_INTERVAL_MS: '1',
      SCORER_SNAPSHOT_MIN_RECORDS: '500',
    };
    const firstPort = await freePort();
    const first = p.spawnScorer({ ...env, SCORER_METRICS_PORT: String(firstPort) });
    const snapshotted = async (): Promise<boolean> => {
      const ends = await pipeline.admin.admin.fetchTopicOffsets(pipeline.topics.stateSnapshots);
      return ends.length === 3 && ends.every((o) => Number(o.high) > 0);
    };
    await waitFor(
      async () =>
        (await committedTotal(pipeline.admin, pipeline.groupId, pipeline.topics.transactions)) >= 6_000 &&
        (await snapshotted()),
      { timeoutMs: 300_000, what: 'the first scorer to commit 6000 inputs and a snapshot of every partition' },
    );
    const written = await metric(firstPort, 'fraud_scorer_state_snapshots_total', 'outcome="written"');
    expect(written).toBeGreaterThanOrEqual(3);
    await killed(first);
    const atKill = await committedTotal(p.admin, p.groupId, p.topics.transactions);
    await p.publish(txs.slice(10_000));

    const secondPort = await freePort();
    p.spawnScorer({ ...env, SCORER_METRICS_PORT: String(secondPort) });
    await p.waitConsumed(txs.length, 300_000);

    // Each of the 3 partitions came back from a snapshot; the replayed tail is far shorter than
    // the history a full restore reads (about atKill records).
    expect(await metric(secondPort, 'fraud_scorer_state_snapshots_total', 'outcome="restored"')).toBe(3);
    const replayed = await metric(secondPort, 'fraud_scorer_state_restored_total');
    expect(replayed).toBeLessThan(atKill / 2);

    const scored = await p.readScored();
    const ids = scored.map((s) => s.transaction.txId);
    expect(ids.length).toBe(txs.length);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
    expectFeaturesAsUninterrupted(scored);
  });
});
