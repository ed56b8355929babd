import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { DEFAULT_COSTS, FEATURE_NAMES, FEATURE_SET, trainXGBoost, type TrainInput } from '@fraud/model';
import type { ModelUpdate } from '@fraud/schemas';
import { validateRetrainPolicy } from '../../src/policy/schema.ts';
import { sourceFromUpdate, type ModelSource } from '../../src/run/model-source.ts';
import { createModelPublisher } from '../../src/run/publisher.ts';
import { runRetrain, type RetrainDeps } from '../../src/run/retrain-run.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { QUICK_TRAINING } from '../fixtures.ts';
import { faninPhase, shuffledLabels, synthetic, takeoverPhase } from '../synthetic.ts';

const logger = createLogger('test', 'silent');
const H = 3_600_000;
const policy = validateRetrainPolicy({ ...QUICK_TRAINING, trainingWindowHours: 200 });

/** Uses a capturing sink for model updates: the Kafka path is covered by the service test. */
function harness(store: Store) {
  const sent: ModelUpdate[] = [];
  let champion: ModelSource | null = null;
  const publisher = createModelPublisher({
    registry: store.registry,
    sink: {
      async send(key, value) {
        if (!value) return;
        sent.push(value);
        if (key === 'champion') champion = sourceFromUpdate(value);
      },
    },
  });
  const deps: RetrainDeps = {
    store,
    artifactsDir: mkdtempSync(join(tmpdir(), 'artifacts-')),
    publisher,
    champion: () => champion,
    featureSet: FEATURE_SET,
    featureNames: FEATURE_NAMES,
    costs: DEFAULT_COSTS,
    logger,
  };
  return { deps, sent };
}

describe('retraining run', () => {
  let store: Store | undefined;
  afterEach(() => store?.db.close());

  it('promotes a first model, rejects one fit to shuffled labels, promotes one that learned a typology', async () => {
    store = await openStore(':memory:');
    const { deps, sent } = harness(store);
    const t0 = Date.UTC(2026, 0, 1);
    const phase1 = takeoverPhase(t0);
    await store.training.ingestScored(phase1.records);
    await store.training.ingestLabels(phase1.labels);

    const first = await runRetrain(deps, policy, { trigger: 'test' });
    expect(first.status, first.reason).toBe('promoted');
    expect(sent.map((u) => [u.version, u.role])).toEqual([[first.version, 'CHAMPION']]);
    expect(sent[0]?.onnx?.length).toBeGreaterThan(100);

    const bad = await runRetrain({ ...deps, train: shuffledLabels }, policy, { trigger: 'test-bad' });
    expect(bad.status).toBe('rejected');
    expect(bad.reason).toMatch(/champion kept/);
    expect(sent).toHaveLength(1);

    // A new typology appears: the champion never saw it; the challenger trains on it.
    const phase2 = faninPhase(t0 + 48 * H);
    await store.training.ingestScored(phase2.records);
    await store.training.ingestLabels(phase2.labels);
    const better = await runRetrain(deps, validateRetrainPolicy({ ...policy, trainingWindowHours: 60 }), {
      trigger: 'test-new-typology',
    });
    expect(better.status, better.reason).toBe('promoted');
    const ch = better.challengerMetrics as { aucpr: number };
    const cm = better.championMetrics as { aucpr: number };
    expect(ch.aucpr).toBeGreaterThan(cm.aucpr + 0.01);
    expect(sent.map((u) => u.version)).toEqual([first.version, better.version]);

    const runs = await store.registry.runs();
    expect(runs.map((r) => r.status)).toEqual(['promoted', 'rejected', 'promoted']);
  });

  it('early-stops only if the validation window holds earlyStoppingMinPositives frauds; records why not', async () => {
    store = await openStore(':memory:');
    const { deps } = harness(store);
    const data = synthetic({
      start: Date.UTC(2026, 0, 1),
      hours: 48,
      rows: 6000,
      fraudRate: 0.03,
      faninShare: 0,
      seed: 4,
      prefix: 'es',
    });
    await store.training.ingestScored(data.records);
    await store.training.ingestLabels(data.labels);
    const seen: { earlyStoppingRounds: number; validPositives: number }[] = [];
    const train = (input: TrainInput) => {
      seen.push({
        earlyStoppingRounds: input.params.earlyStoppingRounds,
        validPositives: input.valid?.labels.reduce((a, b) => a + b, 0) ?? 0,
      });
      return trainXGBoost(input);
    };
    const few = await runRetrain(
      { ...deps, train },
      validateRetrainPolicy({ ...policy, xgboost: { ...policy.xgboost, earlyStoppingMinPositives: 1000 } }),
      { trigger: 'test' },
    );
    expect(seen[0]?.earlyStoppingRounds).toBe(0);
    expect(String(few.details?.earlyStopping)).toMatch(
      new RegExp(`off: ${seen[0]?.validPositives} validation frauds < earlyStoppingMinPositives 1000`),
    );
    expect((few.challengerMetrics as { bestIteration: number }).bestIteration).toBe(policy.xgboost.rounds - 1);
    await runRetrain(
      { ...deps, train },
      validateRetrainPolicy({ ...policy, xgboost: { ...policy.xgboost, earlyStoppingMinPositives: 1 } }),
      { trigger: 'test' },
    );
    expect(seen[1]?.earlyStoppingRounds).toBe(15);
  });

  it('skips with a reason when the window has too few labels', async () => {
    store = await openStore(':memory:');
    const { deps, sent } = harness(store);
    const few = synthetic({ start: 0, hours: 10, rows: 100, fraudRate: 0.03, faninShare: 0, seed: 3, prefix: 'f' });
    await store.training.ingestScored(few.records);
    await store.training.ingestLabels(few.labels);
    const run = await runRetrain(deps, policy, { trigger: 'test' });
    expect(run.status).toBe('skipped');
    expect(run.reason).toMatch(/minTrainingRows=500/);
    expect(sent).toHaveLength(0);
  });
});
