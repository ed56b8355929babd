import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import { seededRandom } from '@fraud/common/testing';
import { DEFAULT_COSTS, FEATURE_NAMES, FEATURE_SET, loadFeatureSpec, specHash } from '@fraud/model';
import type { Label, ModelUpdate, ScoredTransaction } from '@fraud/schemas';
import { validateRetrainPolicy } from '../../src/policy/schema.ts';
import { createModelPublisher } from '../../src/run/publisher.ts';
import { runRetrain, type RetrainDeps } from '../../src/run/retrain-run.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { label, QUICK_TRAINING, scored } from '../fixtures.ts';

const logger = createLogger('test', 'silent');
const H = 3_600_000;

/**
 * Card payments scored by an fs-v2 champion (its logged vectors say nothing about cards): 72 hours,
 * 60 cards, 8 terminals; terminal T0 is compromised from hour 24 (its payments are fraud). Each
 * label arrives 30 minutes after its payment.
 */
function cardHistory(start: number, n: number): { records: ScoredTransaction[]; labels: Label[] } {
  const r = seededRandom(5);
  const records: ScoredTransaction[] = [];
  const labels: Label[] = [];
  for (let i = 0; i < n; i++) {
    const t = start + Math.floor((i / n) * 72 * H);
    const terminal = Math.floor(r() * 8);
    const fraud = terminal === 0 && t - start > 24 * H;
    const txId = `card-${i}`;
    const transaction = {
      txId,
      eventTime: t,
      type: 'CARD_PRESENT' as const,
      amount: 500 + Math.floor(r() * 20_000),
      currency: 'EUR',
      originAccount: `card-${Math.floor(r() * 60)}`,
      originBalanceBefore: null,
      destAccount: `merchant-${terminal % 4}`,
      destBalanceBefore: null,
      merchantId: `merchant-${terminal % 4}`,
      merchantCategory: '5411',
      terminalId: `T${terminal}`,
      channel: null,
      attributes: {},
    };
    records.push(
      scored(txId, t, Array<number>(FEATURE_NAMES.length).fill(0), { featureSet: FEATURE_SET, transaction }),
    );
    labels.push(label(txId, fraud, t + 30 * 60_000, fraud ? 'compromised-terminal' : null));
  }
  return { records, labels };
}

function harness(store: Store) {
  const sent: ModelUpdate[] = [];
  const publisher = createModelPublisher({
    registry: store.registry,
    sink: {
      async send(_key, value) {
        if (value) sent.push(value);
      },
    },
  });
  const deps: RetrainDeps = {
    store,
    artifactsDir: mkdtempSync(join(tmpdir(), 'artifacts-')),
    publisher,
    champion: () => null,
    featureSet: FEATURE_SET,
    featureNames: FEATURE_NAMES,
    costs: DEFAULT_COSTS,
    logger,
  };
  return { deps, sent };
}

describe('a retrain run with the feature spec its policy names', () => {
  let store: Store | undefined;
  afterEach(() => store?.db.close());

  it('computes payments-v1 from the stored transactions and labels; the model carries the spec', async () => {
    store = await openStore(':memory:');
    const { deps, sent } = harness(store);
    const history = cardHistory(Date.UTC(2026, 0, 1), 4_000);
    await store.training.ingestScored(history.records);
    await store.training.ingestLabels(history.labels);

    const policy = validateRetrainPolicy({ ...QUICK_TRAINING, trainingWindowHours: 100, featureSpec: 'payments-v1' });
    const run = await runRetrain(deps, policy, { trigger: 'test' });
    expect(run.status, run.reason).toBe('promoted');
    expect(run.details).toMatchObject({ featureSpec: 'payments-v1@1' });
    const recomputed = (run.details as { recomputed: { labelled: number; withoutTransaction: number } }).recomputed;
    expect(recomputed).toMatchObject({ labelled: 4_000, withoutTransaction: 0 });
    // The terminal's label risk is learnable only from the recomputed label features.
    expect((run.challengerMetrics as { aucpr: number }).aucpr).toBeGreaterThan(0.9);

    const meta = JSON.parse(readFileSync(join(deps.artifactsDir, run.version, 'metadata.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const spec = loadFeatureSpec('payments-v1');
    expect(meta).toMatchObject({ featureSet: 'payments-v1', featureSpecId: 'payments-v1@1' });
    expect(meta.featureSpecHash).toBe(specHash(spec));
    expect(sent.map((u) => [u.version, u.featureSet])).toEqual([[run.version, 'payments-v1']]);
  });

  it('a policy naming no shipped spec fails the run with the reason; the default is fs-v2', async () => {
    store = await openStore(':memory:');
    const { deps } = harness(store);
    const run = await runRetrain(deps, validateRetrainPolicy({ featureSpec: 'nope-v9' }), { trigger: 'test' });
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/featureSpec nope-v9: no shipped feature spec is named nope-v9/);
    expect(validateRetrainPolicy({}).featureSpec).toBe('fs-v2');
  });
});
