import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { ScorerService } from '@fraud/scorer';
import { startPipelineApi, type PipelineApi } from './pipeline-api.ts';
// The scorer's integration harness (a private pipeline per test) and a real XGBoost model converted to ONNX.
import { createPipeline, makeTransactions, trainTinyModel, type Pipeline, type TinyModel } from '@fraud/scorer/testing';

/**
 * The decision API on the real paths: HTTP -> the partition owner's decide endpoint -> HTTP (the
 * decision reaches `scored` through the stream right after), and HTTP -> transactions -> scorer ->
 * scored -> HTTP when no owner answers.
 */
describe('decision API through Kafka and the real scorer', () => {
  let p: Pipeline;
  let model: TinyModel;
  let scorer: ScorerService | undefined;
  let http: PipelineApi;
  beforeAll(async () => {
    p = await createPipeline('api', 3);
    model = await trainTinyModel('api-v1');
    scorer = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '200' });
    http = await startPipelineApi(p, 'api-it', { API_DEADLINE_MS: '3000' });
  });
  afterAll(async () => {
    await http?.api.stop();
    await p?.cleanup();
  });

  const txs = () => makeTransactions(20, { seed: 5, runId: `${p.prefix}api` });
  type Answer = {
    txId: string;
    decision: string;
    score: number | null;
    fallback: boolean;
    modelVersion: string | null;
    routed: string;
  };
  const submit = (t: Transaction) => http.submit<Answer>(t);

  it('answers with the decision recorded on scored, and a duplicate txId creates no second record', async () => {
    const batch = txs();
    const answers: Answer[] = [];
    // The scorer's decide endpoint is advertised in its group once it has joined: probe with payments of their own.
    const probes = makeTransactions(200, { seed: 6, runId: `${p.prefix}probe` });
    await waitFor(async () => (await submit(probes.shift()!)).routed === 'owner', {
      timeoutMs: 30_000,
      what: 'a payment decided at its partition owner',
    });
    for (const t of batch.slice(0, 10)) answers.push(await submit(t));
    expect(answers.every((a) => !a.fallback && a.modelVersion === 'api-v1')).toBe(true);
    expect(answers.map((a) => a.routed)).toEqual(Array(10).fill('owner'));
    const again = await submit(batch[3]!);
    expect(again).toMatchObject({ txId: batch[3]!.txId, decision: answers[3]!.decision, score: answers[3]!.score });

    // The owner answers once its write is durable; the stream path puts the decision on scored right after.
    const scored = await waitFor(
      async () => {
        const all = await p.readScored();
        return answers.every((a) => all.some((s) => s.transaction.txId === a.txId)) ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'every answered decision on scored' },
    );
    for (const a of answers) {
      const records = scored.filter((s) => s.transaction.txId === a.txId);
      expect(records, a.txId).toHaveLength(1);
      expect(records[0]!.decision).toBe(a.decision);
      expect(records[0]!.score).toBeCloseTo(a.score!, 6);
    }
  });

  it('falls back, flagged, when the scorer is paused, and the stream decision still happens', async () => {
    await scorer!.stop();
    scorer = undefined;
    // Same service, short deadline: restart it with 50 ms to exercise the fallback.
    await http.api.stop();
    http = await startPipelineApi(p, 'api-it3', { API_DEADLINE_MS: '50' });
    const t = txs()[15]!;
    const answer = await submit(t);
    expect(answer).toMatchObject({ txId: t.txId, fallback: true, score: null, routed: 'kafka' });

    scorer = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir });
    await waitFor(async () => (await p.readScored()).some((s) => s.transaction.txId === t.txId), {
      timeoutMs: 60_000,
      what: 'the stream decision of the fallback transaction',
    });
    const recorded = (await p.readScored()).filter((s) => s.transaction.txId === t.txId);
    expect(recorded).toHaveLength(1);
  });
});
