import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { freePort } from '@fraud/common/testing';
import { committedTotal, createPipeline, type Pipeline } from './harness.ts';
import { expectFeaturesAsUninterrupted } from './assertions.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';
import { badInputs } from './bad-input.ts';
import { killed, metricValue } from './processes.ts';

const consumedBy = (port: number): Promise<number> => metricValue(port, 'fraud_scorer_consumed_total');

/**
 * Real processes (`node bin/fraud.mjs scorer`), real SIGKILLs: whatever was in flight is
 * aborted by the broker (fenced by the next owner), and every input ends up exactly once in
 * scored (read_committed) or in the DLQ.
 */
describe('scorer processes under kill -9', { timeout: 900_000 }, () => {
  let model: TinyModel;
  let p: Pipeline | undefined;
  beforeAll(async () => {
    model = await trainTinyModel('crash-v1');
  });
  afterEach(async () => {
    await p?.cleanup();
    p = undefined;
  });

  it('kill -9 mid-run, restart: every input once in scored or the DLQ, features as if uninterrupted', async () => {
    p = await createPipeline('scorer-kill');
    const pipeline = p;
    const txs = makeTransactions(24_000, { seed: 5, runId: p.prefix, accounts: 500 });
    const bad = badInputs(p.codecs.transaction, txs[0]!);
    await p.publish(txs.slice(0, 12_000));
    await p.publishRaw(bad.map((b, i) => ({ key: `bad-${i}`, value: b.value })));
    const env = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '100', SCORER_PARTITIONS_CONCURRENTLY: '1' };
    const first = p.spawnScorer(env);
    await waitFor(
      async () => (await committedTotal(pipeline.admin, pipeline.groupId, pipeline.topics.transactions)) >= 3_000,
      { timeoutMs: 300_000, what: 'the first scorer to commit 3000 inputs' },
    );
    await killed(first);
    const atKill = await committedTotal(p.admin, p.groupId, p.topics.transactions);
    expect(atKill).toBeLessThan(12_000 + bad.length);
    await p.publish(txs.slice(12_000));
    p.spawnScorer(env);
    await p.waitConsumed(txs.length + bad.length, 300_000);

    const scored = await p.readScored();
    const ids = scored.map((s) => s.transaction.txId);
    expect(ids.length).toBe(txs.length);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
    expect(await p.readDlq()).toHaveLength(bad.length);
    expectFeaturesAsUninterrupted(scored);
  });

  it('two instances share the partitions; one is killed, the other takes over without loss or duplicates', async () => {
    p = await createPipeline('scorer-pair', 4);
    const pipeline = p;
    const txs = makeTransactions(30_000, { seed: 6, runId: p.prefix, accounts: 800 });
    const [portA, portB] = [await freePort(), await freePort()];
    const env = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '100', SCORER_PARTITIONS_CONCURRENTLY: '1' };
    const a = p.spawnScorer({ ...env, SCORER_METRICS_PORT: String(portA) });
    p.spawnScorer({ ...env, SCORER_METRICS_PORT: String(portB) });
    await waitFor(
      async () => (await consumedBy(portA).catch(() => -1)) >= 0 && (await consumedBy(portB).catch(() => -1)) >= 0,
      { timeoutMs: 300_000, what: 'both scorers serving metrics' },
    );
    let sent = 0;
    // Feed in slices until both instances have committed work: the load is shared.
    while (sent < 15_000) {
      await p.publish(txs.slice(sent, sent + 1_000));
      sent += 1_000;
      if ((await consumedBy(portA)) > 0 && (await consumedBy(portB)) > 0) break;
    }
    await waitFor(async () => (await consumedBy(portA)) > 0 && (await consumedBy(portB)) > 0, {
      timeoutMs: 300_000,
      what: 'both instances consuming',
    });
    await killed(a);
    await p.publish(txs.slice(sent));
    await p.waitConsumed(txs.length, 300_000);
    expect(await consumedBy(portB)).toBeGreaterThan(0);

    const scored = await p.readScored();
    const ids = scored.map((s) => s.transaction.txId);
    expect(ids.length).toBe(txs.length);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
    expect(new Set(scored.map((s) => s.source!.partition))).toEqual(new Set([0, 1, 2, 3]));
    expectFeaturesAsUninterrupted(scored);
    expect(await committedTotal(pipeline.admin, pipeline.groupId, pipeline.topics.transactions)).toBe(txs.length);
  });
});
