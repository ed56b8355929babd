import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { parseScorerEnv } from '../src/env.ts';
import { runScorer } from '../src/runtime.ts';
import type { ScorerService } from '../src/service.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

const SESSION_TIMEOUT_MS = 6_000;
/** The restore is held back this long: twice the session timeout. */
const RESTORE_THROTTLE_MS = 2 * SESSION_TIMEOUT_MS;

/**
 * A partition's state restore runs inside eachBatch. Without heartbeats meanwhile, a restore
 * longer than the session timeout gets the member evicted: the group rebalances, this member
 * rejoins under a new generation (another GROUP_JOIN) and its chunk commits fail. The restore is
 * throttled here through the service's restore hook, not by a slow broker.
 */
describe('the state restore keeps the group heartbeating', { timeout: 300_000 }, () => {
  let model: TinyModel;
  let p: Pipeline | undefined;
  const services: ScorerService[] = [];
  beforeAll(async () => {
    model = await trainTinyModel('restore-hb-v1');
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop().catch(() => undefined);
    await p?.cleanup();
    p = undefined;
  });

  it('restores a large partition for longer than the session timeout without losing its assignment', async () => {
    p = await createPipeline('scorer-restore-hb', 1);
    const txs = makeTransactions(10_100, { seed: 31, runId: p.prefix, accounts: 400 });
    const base = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '2000' };
    const first = await p.startScorer(base);
    await p.publish(txs.slice(0, 10_000));
    await p.waitConsumed(10_000, 180_000);
    await first.stop();

    // New records make the next scorer take the partition (and restore it) on its first fetch.
    await p.publish(txs.slice(10_000));
    const logger = createLogger('restore-hb-test', 'warn');
    let restoring = false;
    let throttled = false;
    const env = parseScorerEnv(p.env({ ...base, SCORER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) }));
    const events = { joins: 0, rebalances: 0, heartbeatsWhileRestoring: 0 };
    const second = await runScorer(env, logger, {
      onRestoreFetch: async () => {
        if (throttled) return;
        throttled = true;
        restoring = true;
        await new Promise((resolve) => setTimeout(resolve, RESTORE_THROTTLE_MS));
        restoring = false;
      },
    });
    services.push(second);
    const { consumer } = second.loop;
    consumer.on(consumer.events.GROUP_JOIN, () => events.joins++);
    consumer.on(consumer.events.REBALANCING, () => events.rebalances++);
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (restoring) events.heartbeatsWhileRestoring++;
    });
    const joinedBefore = second.loop.assigned();

    await p.waitConsumed(txs.length, 180_000);
    expect(throttled, 'the restore went through the throttled hook').toBe(true);
    expect(joinedBefore).toEqual([0]);
    expect(events.heartbeatsWhileRestoring, 'heartbeats sent while the restore was held back').toBeGreaterThan(0);
    expect(events, 'no rebalance: the member kept its assignment and generation').toMatchObject({
      joins: 0,
      rebalances: 0,
    });
    expect((await second.metrics.aborted.get()).values.reduce((s, v) => s + v.value, 0)).toBe(0);
    expect((await second.metrics.restoredRecords.get()).values[0]?.value).toBe(10_000);
    const ids = (await p.readScored()).map((s) => s.transaction.txId);
    expect(ids.length - new Set(ids).size, 'inputs scored twice').toBe(0);
    expect(ids).toHaveLength(txs.length);
  });
});
