import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { NEVER } from '@fraud/model';
import { Registry } from 'prom-client';
import { loadModelUpdate } from '../src/model-loader.ts';
import { createModelManager } from '../src/model-manager.ts';
import { createScorerMetrics } from '../src/metrics.ts';
import { createServing, featureModule } from '../src/runtime.ts';
import { resolveModelSpec } from '../src/spec-wiring.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

/** Real XGBoost -> ONNX models through the real onnxruntime: what the scorer accepts and refuses. */
describe('model verification and hot swap (real ONNX models)', () => {
  const features = featureModule();
  const smokeRows = features.compute(makeTransactions(3), features.createState(0));
  const deps = {
    createServing,
    specFor: async (u: Parameters<typeof resolveModelSpec>[0]) => (resolveModelSpec(u), features),
  };
  let v1: TinyModel;
  let v2: TinyModel;
  beforeAll(async () => {
    v1 = await trainTinyModel('tiny-v1', 7);
    v2 = await trainTinyModel('tiny-v2', 8, { review: 0.2, block: 0.7 });
  });

  it('loads a good model with its thresholds and it predicts probabilities', async () => {
    const m = await loadModelUpdate(v1.update, deps);
    expect(m.version).toBe('tiny-v1');
    expect(m.thresholds).toEqual({ review: 0.3, block: 0.8 });
    const p = await m.serving.predict({ data: smokeRows, rows: 3, cols: features.featureNames.length });
    expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
    await m.serving.dispose();
  });

  it('refuses a wrong checksum, feature set or feature list, garbage ONNX and missing bytes', async () => {
    const u = v1.update;
    await expect(loadModelUpdate({ ...u, sha256: '0'.repeat(64) }, deps)).rejects.toMatchObject({
      code: 'MODEL_CHECKSUM',
    });
    await expect(loadModelUpdate({ ...u, featureSet: 'fs-v0' }, deps)).rejects.toMatchObject({
      code: 'MODEL_INCOMPATIBLE',
    });
    await expect(
      loadModelUpdate({ ...u, metadataJson: JSON.stringify({ featureNames: ['a', 'b'] }) }, deps),
    ).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE' });
    const garbage = Buffer.from('this is not an onnx model at all');
    const { sha256Hex } = await import('../src/model-loader.ts');
    await expect(loadModelUpdate({ ...u, onnx: garbage, sha256: sha256Hex(garbage) }, deps)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
    });
    await expect(loadModelUpdate({ ...u, onnx: null, uri: null }, deps)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
    });
    await expect(loadModelUpdate({ ...u, reviewThreshold: 0.9, blockThreshold: 0.1 }, deps)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
    });
    await expect(loadModelUpdate({ ...u, blockThreshold: 1.5 }, deps)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it("accepts the threshold policy's NEVER as the block threshold (a model that never blocks)", async () => {
    const m = await loadModelUpdate({ ...v1.update, blockThreshold: NEVER }, deps);
    expect(m.thresholds.block).toBe(NEVER);
    await m.serving.dispose();
  });

  it('fetches a file:// uri and checks its checksum', async () => {
    const uri = new URL(`file://${v1.dir}/model.onnx`).href;
    const m = await loadModelUpdate({ ...v1.update, onnx: null, uri }, deps);
    expect(m.sha256).toBe(v1.update.sha256);
    await m.serving.dispose();
    await expect(loadModelUpdate({ ...v2.update, onnx: null, uri }, deps)).rejects.toMatchObject({
      code: 'MODEL_CHECKSUM',
    });
  });

  it('a refused update is counted, the model serves on; a good one swaps in, the old freed after use', async () => {
    const registry = new Registry();
    const metrics = createScorerMetrics(registry);
    const manager = createModelManager({
      load: (u) => loadModelUpdate(u, deps),
      metrics,
      logger: createLogger('test', 'silent'),
    });
    expect(await manager.offer(v1.update)).toBe(true);
    const lease = manager.acquire();
    expect(await manager.offer({ ...v2.update, sha256: 'f'.repeat(64) })).toBe(false);
    expect((await metrics.modelRejected.get()).values[0]?.value).toBe(1);
    expect(manager.current()?.champion.version).toBe('tiny-v1');
    expect(await manager.offer(v2.update)).toBe(true);
    expect(manager.current()?.champion.version).toBe('tiny-v2');
    // The batch that started on v1 still predicts with it until it releases.
    await expect(
      lease.models.champion.serving.predict({ data: smokeRows, rows: 3, cols: features.featureNames.length }),
    ).resolves.toHaveLength(3);
    lease.release();
    await expect(
      lease.models.champion.serving.predict({ data: smokeRows, rows: 3, cols: features.featureNames.length }),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    const info = (await metrics.modelInfo.get()).values.map((v) => v.labels);
    expect(info).toEqual([{ version: 'tiny-v2', role: 'CHAMPION' }]);
    await manager.close();
  });
});
