import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import { startPipelineApi, type PipelineApi } from './pipeline-api.ts';
import { createPipeline, makeTransactions, trainTinyModel, type Pipeline, type TinyModel } from '@fraud/scorer/testing';

interface Answer {
  txId: string;
  decision: string;
  score: number | null;
  fallback: boolean;
  routed: string;
}

/**
 * Ownership moves while payments are being decided: a second scorer joins (a rebalance) and the
 * first one stops, in the middle of a stream of requests. Every request gets an answer within the
 * deadline; every answer that is not the flagged fallback is in `scored` once, with that decision.
 */
describe('decision API while the partition owners change (real broker, 6 partitions)', () => {
  let p: Pipeline;
  let model: TinyModel;
  let http: PipelineApi;
  beforeAll(async () => {
    p = await createPipeline('api-rebalance', 6);
    model = await trainTinyModel('rebalance-v1');
    http = await startPipelineApi(p, 'api-rb', { API_DEADLINE_MS: '5000', API_OWNER_REFRESH_MS: '200' });
  });
  afterAll(async () => {
    await http?.api.stop();
    await p?.cleanup();
  });

  const submit = (t: Transaction) => http.submit<Answer>(t);

  it('answers every request through a scale-up and a scorer stop; answered decisions are in scored once', async () => {
    const env = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_DECIDE_PORT: '0', SCORER_MAX_BATCH: '200' };
    const first = await p.startScorer(env);
    const probes = makeTransactions(300, { seed: 21, runId: `${p.prefix}probe`, start: Date.now() - 600_000 });
    await waitFor(async () => (await submit(probes.shift()!)).routed === 'owner', {
      timeoutMs: 30_000,
      what: 'a payment decided at its partition owner',
    });
    const txs = makeTransactions(240, { seed: 22, runId: `${p.prefix}rb`, start: Date.now() - 300_000 });
    const answers: Answer[] = [];
    // 8 clients in parallel; the owners change twice under them.
    const queue = [...txs];
    const client = async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) answers.push(await submit(t));
    };
    const clients = Array.from({ length: 8 }, client);
    await waitFor(() => answers.length >= 60, { timeoutMs: 60_000, what: '60 answers before the scale-up' });
    const second = await p.startScorer(env);
    await waitFor(() => answers.length >= 150, { timeoutMs: 60_000, what: '150 answers before the stop' });
    await first.stop();
    await Promise.all(clients);

    expect(answers).toHaveLength(txs.length);
    const routed = new Set(answers.map((a) => a.routed));
    expect(routed.has('owner')).toBe(true);
    const decided = answers.filter((a) => !a.fallback);
    expect(decided.length).toBeGreaterThan(txs.length / 2);
    // A payment not decided within the deadline gets the flagged fallback, never a hang.
    for (const a of answers.filter((x) => x.fallback)) expect(a.score).toBeNull();
    // After the stop the second scorer owns everything: a fresh payment is decided there.
    const late = makeTransactions(1, { seed: 23, runId: `${p.prefix}late`, start: Date.now() - 60_000 })[0]!;
    await waitFor(async () => (await submit({ ...late, txId: `${late.txId}-${Date.now()}` })).routed === 'owner', {
      timeoutMs: 60_000,
      what: 'the remaining scorer to answer as owner',
    });
    expect(second.loop.assigned()).toHaveLength(6);
    // Both owners decided payments of the stream: ownership did move under it.
    const decidedBy = async (svc: typeof first) =>
      (await svc.registry.getSingleMetric('fraud_scorer_sync_decisions_total')!.get()).values
        .filter((v) => v.labels.outcome === 'decided')
        .reduce((n, v) => n + v.value, 0);
    expect(await decidedBy(first)).toBeGreaterThan(0);
    expect(await decidedBy(second)).toBeGreaterThan(0);

    let scored: Awaited<ReturnType<Pipeline['readScored']>> = [];
    await waitFor(
      async () => {
        scored = (await p.readScored()).filter((s) => s.transaction.txId.startsWith(`${p.prefix}rb`));
        return scored.length >= txs.length;
      },
      { timeoutMs: 60_000, what: 'every answered decision on scored' },
    );
    const ids = scored.map((s) => s.transaction.txId);
    expect(new Set(ids).size).toBe(ids.length);
    const byId = new Map(scored.map((s) => [s.transaction.txId, s]));
    for (const a of decided) expect(byId.get(a.txId)?.decision, a.txId).toBe(a.decision);
  });
});
