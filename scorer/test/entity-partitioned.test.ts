import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import type { ScorerService } from '../src/service.ts';
import { expectFeaturesAsUninterrupted } from './assertions.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

/** A counter's value by one label (0 when the label value never moved). */
async function counter(svc: ScorerService, name: string, label: string, value: string): Promise<number> {
  const metric = await svc.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels[label] === value)?.value ?? 0;
}

describe('entity state partitioned by Kafka: two instances on the real broker', () => {
  let p: Pipeline;
  let model: TinyModel;
  beforeAll(async () => {
    p = await createPipeline('entity-part', 4);
    model = await trainTinyModel('entity-part-v1');
  });
  afterAll(async () => p?.cleanup());

  it('each instance decodes and holds only its entity partitions; lookups cross; features as one view', async () => {
    const env = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '25' };
    const a = await p.startScorer(env);
    const b = await p.startScorer(env);
    await waitFor(() => a.loop.assigned().length > 0 && b.loop.assigned().length > 0, {
      timeoutMs: 30_000,
      what: 'both instances to own partitions',
    });
    // 60 origins over the 4 partitions and ~110 destinations, each paid several times from
    // several partitions: destination features need other instances' events.
    const txs = makeTransactions(600, { accounts: 60, runId: p.prefix, start: Date.now() - 2 * 3_600_000 });
    for (let i = 0; i < txs.length; i += 50) await p.publish(txs.slice(i, i + 50));
    await p.waitConsumed(txs.length, 120_000);

    const scored = await p.readScored();
    expect(scored).toHaveLength(txs.length);
    expectFeaturesAsUninterrupted(scored);

    const decoded = async (svc: ScorerService, source: string) =>
      counter(svc, 'fraud_scorer_records_decoded_total', 'source', source);
    // No instance reads all of `transactions` into a view: each decodes the copies of its own
    // entity partitions, and together (at least) every payment once.
    for (const svc of [a, b]) {
      expect(await decoded(svc, 'view')).toBe(0);
      expect(await decoded(svc, 'entity')).toBeGreaterThan(0);
      expect(await decoded(svc, 'entity')).toBeLessThan(txs.length);
    }
    expect((await decoded(a, 'entity')) + (await decoded(b, 'entity'))).toBeGreaterThanOrEqual(txs.length);
    expect((await decoded(a, 'repartition')) + (await decoded(b, 'repartition'))).toBeGreaterThanOrEqual(txs.length);
    const keys = async (svc: ScorerService, where: string) =>
      counter(svc, 'fraud_scorer_entity_lookup_keys_total', 'where', where);
    // Chunks asked the other instance for keys it owns, and answered the other's questions.
    for (const svc of [a, b]) {
      expect(await keys(svc, 'remote')).toBeGreaterThan(0);
      expect(await keys(svc, 'served')).toBeGreaterThan(0);
    }
    expect(await counter(a, 'fraud_scorer_entity_lagging_total', 'path', 'chunk')).toBe(0);
    expect(await counter(b, 'fraud_scorer_entity_lagging_total', 'path', 'chunk')).toBe(0);
  }, 180_000);

  it('answers 400 naming the problem, 421 for a partition it does not own', async () => {
    const c = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir });
    await waitFor(() => c.loop.assigned().length > 0, { timeoutMs: 30_000, what: 'an assignment' });
    const url = `${c.decideUrl}/v1/entity-lookup`;
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ spec: 'x', partition: 0, t: 1, waitMs: 0, keys: [[0, 'k']] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/keys: \[store, key/);
    // Three members (the first test's two are still running) share 4 partitions.
    const others = [0, 1, 2, 3].filter((q) => !c.loop.assigned().includes(q));
    expect(others.length).toBeGreaterThan(0);
    const notMine = await post({ spec: 'x', partition: others[0], t: 1, waitMs: 0, keys: [] });
    expect(notMine.status).toBe(421);
    const mine = await post({ spec: 'no-such-spec', partition: c.loop.assigned()[0], t: 1, waitMs: 0, keys: [] });
    expect(mine.status).toBe(503);
  }, 120_000);

  it('with decisions off, the server still answers lookups and says decide is not served here', async () => {
    const d = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_DECIDE_ENABLED: 'false' });
    expect(d.decideUrl).not.toBeNull();
    const decide = await fetch(`${d.decideUrl}/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transaction: {} }),
    });
    expect(decide.status).toBe(404);
    expect(((await decide.json()) as { error: { message: string } }).error.message).toMatch(/SCORER_DECIDE_ENABLED/);
    const lookup = await fetch(`${d.decideUrl}/v1/entity-lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: 'x', partition: 0, t: 1, waitMs: 0, keys: 'none' }),
    });
    expect(lookup.status).toBe(400);
  }, 120_000);
});
