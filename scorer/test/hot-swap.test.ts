import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { sha256Hex } from '../src/model-loader.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

describe('models on the model-updates topic: champion at start, refusals, hot swap, shadow', () => {
  let p: Pipeline;
  let v1: TinyModel;
  let v2: TinyModel;
  let v3: TinyModel;
  beforeAll(async () => {
    p = await createPipeline('scorer-swap', 2);
    [v1, v2, v3] = [
      await trainTinyModel('swap-v1', 1),
      await trainTinyModel('swap-v2', 2),
      await trainTinyModel('swap-v3', 3),
    ];
  });
  afterAll(async () => p?.cleanup());

  it('refuses to start without a champion on model-updates or a bootstrap artifact, saying what to do', async () => {
    await expect(p.startScorer()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/MODEL_BOOTSTRAP_DIR.*fraud model train/s) as string,
    });
  });

  it('refuses bad models while the champion serves, then swaps in a good one and a shadow, no restart', async () => {
    await p.publishModel(v1.update);
    const svc = await p.startScorer();
    expect(svc.models.current()?.champion.version).toBe('swap-v1');
    const rejected = async () => (await svc.metrics.modelRejected.get()).values[0]?.value ?? 0;

    const batch1 = makeTransactions(400, { seed: 1, runId: `${p.prefix}a` });
    await p.publish(batch1);
    await p.waitConsumed(400);

    const garbage = Buffer.from('definitely not onnx');
    await p.publishModel({ ...v2.update, version: 'bad-checksum', sha256: 'a'.repeat(64) });
    await p.publishModel({ ...v2.update, version: 'bad-featureset', featureSet: 'fs-v0' });
    await p.publishModel({ ...v2.update, version: 'bad-onnx', onnx: garbage, sha256: sha256Hex(garbage) });
    await waitFor(async () => (await rejected()) === 3, { timeoutMs: 20_000, what: '3 refused model updates' });
    expect(svc.models.current()?.champion.version).toBe('swap-v1');
    const batch2 = makeTransactions(400, { seed: 2, runId: `${p.prefix}b` });
    await p.publish(batch2);
    await p.waitConsumed(800);

    await p.publishModel(v2.update);
    await p.publishModel({ ...v3.update, role: 'SHADOW' });
    await waitFor(
      () => svc.models.current()?.champion.version === 'swap-v2' && svc.models.current()?.shadow?.version === 'swap-v3',
      { timeoutMs: 20_000, what: 'v2 champion and v3 shadow serving' },
    );
    const batch3 = makeTransactions(400, { seed: 3, runId: `${p.prefix}c` });
    await p.publish(batch3);
    await p.waitConsumed(1_200);

    const scored = await p.readScored();
    expect(scored).toHaveLength(1_200);
    const versionOf = new Map(scored.map((s) => [s.transaction.txId, s]));
    for (const t of [...batch1, ...batch2]) {
      expect(versionOf.get(t.txId)?.modelVersion).toBe('swap-v1');
      expect(versionOf.get(t.txId)?.shadow).toBeNull();
    }
    for (const t of batch3) {
      const s = versionOf.get(t.txId)!;
      expect(s.modelVersion).toBe('swap-v2');
      expect(s.shadow?.modelVersion).toBe('swap-v3');
      expect(s.shadow!.score).toBeGreaterThanOrEqual(0);
    }
    // The shadow scores really come from another model.
    expect(batch3.some((t) => versionOf.get(t.txId)!.shadow!.score !== versionOf.get(t.txId)!.score)).toBe(true);
    expect(await rejected()).toBe(3);
    const text = await (await fetch(`http://127.0.0.1:${svc.metricsPort}/metrics`)).text();
    expect(text).toMatch(/fraud_scorer_model_info\{version="swap-v2",role="CHAMPION"/);
    expect(text).toMatch(/fraud_scorer_model_info\{version="swap-v3",role="SHADOW"/);
    expect(text).not.toMatch(/fraud_scorer_model_info\{version="swap-v1"/);
    expect(text).toMatch(/fraud_scorer_model_rejected_total\{[^}]*\} 3/);

    // A tombstone on the shadow key (the retrainer retired or promoted the shadow) stops it.
    await p.retireShadow();
    await waitFor(() => svc.models.current()?.shadow === null, {
      timeoutMs: 20_000,
      what: 'the shadow to be retired by its tombstone',
    });
    expect(svc.models.current()?.champion.version).toBe('swap-v2');
    const batch4 = makeTransactions(200, { seed: 4, runId: `${p.prefix}d` });
    await p.publish(batch4);
    await p.waitConsumed(1_400);
    const after = new Map((await p.readScored()).map((s) => [s.transaction.txId, s]));
    for (const t of batch4) {
      expect(after.get(t.txId)?.modelVersion).toBe('swap-v2');
      expect(after.get(t.txId)?.shadow).toBeNull();
    }
    const text2 = await (await fetch(`http://127.0.0.1:${svc.metricsPort}/metrics`)).text();
    expect(text2).not.toMatch(/fraud_scorer_model_info\{version="swap-v3"/);
  });
});
