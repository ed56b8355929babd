import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import { fromDlqMessage } from '@fraud/kafka';
import type { ScorerService } from '../src/service.ts';
import { expectFeaturesAsUninterrupted } from './assertions.ts';
import { badInputs } from './bad-input.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

function expectExactlyOnce(scored: ScoredTransaction[], txs: readonly Transaction[]): void {
  const ids = scored.map((s) => s.transaction.txId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.txId)));
}

describe('scorer end to end against the real broker', () => {
  let p: Pipeline;
  let model: TinyModel;
  let svc: ScorerService;
  beforeAll(async () => {
    p = await createPipeline('scorer-e2e');
    model = await trainTinyModel('e2e-v1');
  });
  afterAll(async () => p?.cleanup());

  it('scores every input exactly once, dead-letters every bad kind with its reason, counts reconcile', async () => {
    const txs = makeTransactions(3_000, { seed: 11, runId: p.prefix });
    const blocked = txs[10]!.originAccount;
    await p.publishPolicy({ blockList: [blocked], updatedBy: 'e2e' });
    svc = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '500' });
    await p.publish(txs.slice(0, 1_500));
    const bad = badInputs(p.codecs.transaction, txs[0]!);
    await p.publishRaw(bad.map((b, i) => ({ key: `bad-${i}`, value: b.value })));
    await p.publish(txs.slice(1_500));
    const total = txs.length + bad.length;
    await p.waitConsumed(total);

    const scored = await p.readScored();
    expectExactlyOnce(scored, txs);
    const dlq = await p.readDlq();
    expect(dlq).toHaveLength(bad.length);
    const byKey = new Map(dlq.map((m) => [m.key!.toString(), m]));
    bad.forEach((b, i) => {
      const m = byKey.get(`bad-${i}`)!;
      const h = fromDlqMessage(m);
      expect(h.code, b.kind).toBe(b.reason);
      expect(m.value!.equals(b.value), `${b.kind}: original bytes`).toBe(true);
      expect(h.topic).toBe(p.topics.transactions);
      expect(h.partition).toBeGreaterThanOrEqual(0);
      expect(h.message.length).toBeGreaterThan(0);
    });

    // Records carry what an audit and the retrainer need.
    for (const s of scored) {
      expect(s.modelVersion).toBe('e2e-v1');
      expect(s.source!.publishedAt).toBeGreaterThan(0);
      expect(s.reasons.length > 0).toBe(s.decision !== 'APPROVE');
    }
    expect(
      scored
        .filter((s) => s.transaction.originAccount === blocked)
        .every((s) => s.decision === 'BLOCK' && s.rulesFired.includes('block-list')),
    ).toBe(true);
    expectFeaturesAsUninterrupted(scored);

    const metric = async (name: string) =>
      (await svc.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);
    expect(await metric('fraud_scorer_consumed_total')).toBe(total);
    expect(await metric('fraud_scorer_scored_total')).toBe(txs.length);
    expect(await metric('fraud_scorer_dead_lettered_total')).toBe(bad.length);
    expect(await metric('fraud_scorer_decisions_total')).toBe(txs.length);
    const text = await (await fetch(`http://127.0.0.1:${svc.metricsPort}/metrics`)).text();
    expect(text).toMatch(/fraud_scorer_model_info\{version="e2e-v1",role="CHAMPION"[^}]*\} 1/);
    expect(text).toMatch(/fraud_scorer_end_to_end_seconds_count\{[^}]*\} 3000/);
    // The latency breakdown's counters: every stage counted, a commit takes time.
    const stages = (await svc.registry.getSingleMetric('fraud_scorer_stage_record_seconds_total')!.get()).values;
    expect(new Set(stages.map((v) => v.labels.stage))).toEqual(
      new Set(['fetch', 'decode', 'view_wait', 'score', 'commit']),
    );
    expect(stages.find((v) => v.labels.stage === 'commit')!.value).toBeGreaterThan(0);
    expect(stages.every((v) => v.value >= 0)).toBe(true);
  });

  it('a restart mid-stream rebuilds state from scored: features as uninterrupted, none lost or repeated', async () => {
    await svc.stop();
    const more = makeTransactions(1_500, { seed: 11, runId: `${p.prefix}b`, start: Date.now() - 3_600_000 });
    await p.publish(more);
    const svc2 = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir });
    const before =
      (await svc2.registry.getSingleMetric('fraud_scorer_state_restored_total')!.get()).values[0]?.value ?? 0;
    await p.waitConsumed(3_000 + 8 + 1_500);
    const scored = await p.readScored();
    expect(scored).toHaveLength(4_500);
    expect(new Set(scored.map((s) => s.transaction.txId)).size).toBe(4_500);
    expectFeaturesAsUninterrupted(scored);
    const restored =
      (await svc2.registry.getSingleMetric('fraud_scorer_state_restored_total')!.get()).values[0]?.value ?? 0;
    expect(Math.max(before, restored)).toBe(3_000);
    await svc2.stop();
  });
});
