import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@fraud/common/testing';
import {
  compileFeatureSpec,
  createServingModel,
  loadFeatureSpec,
  parseFeatureSpec,
  readArtifact,
  trainDirectArtifact,
  trainParams,
  type CompiledFeatureSpec,
  type LabelEvent,
} from '@fraud/model';
import type { Label, Transaction } from '@fraud/schemas';
import { waitFor } from '@fraud/common';
import { artifactToUpdate } from '../src/bootstrap.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { trainTinyModel } from './model-fixture.ts';

const MIN = 60_000;

interface World {
  txs: Transaction[];
  labels: LabelEvent[];
  frauds: Set<string>;
}

/**
 * Card payments (no balances) over 3 hours: 40 cards, 6 terminals at 3 merchants; terminal T0 is
 * compromised in the second half (its payments are fraud). Each label arrives 5 to 45 minutes
 * after its payment, so labels arrive out of event order and interleave with later payments.
 */
function cardWorld(runId: string, n: number, start: number): World {
  const r = seededRandom(11);
  const txs: Transaction[] = [];
  const frauds = new Set<string>();
  for (let i = 0; i < n; i++) {
    const terminal = Math.floor(r() * 6);
    const eventTime = start + Math.floor((i * 180 * MIN) / n);
    const fraud = terminal === 0 && i > n / 2;
    const txId = `${runId}-${i}`;
    if (fraud) frauds.add(txId);
    txs.push({
      txId,
      eventTime,
      type: 'CARD_PRESENT',
      amount: fraud ? 50_000 + Math.floor(r() * 50_000) : 500 + Math.floor(r() * 10_000),
      currency: 'EUR',
      originAccount: `card-${runId}-${Math.floor(r() * 40)}`,
      originBalanceBefore: null,
      destAccount: `merchant-${terminal % 3}`,
      destBalanceBefore: null,
      merchantId: `merchant-${terminal % 3}`,
      merchantCategory: ['5411', '5812', '5999'][terminal % 3]!,
      country: r() < 0.9 ? 'FR' : 'DE',
      terminalId: `T${terminal}`,
      channel: null,
      attributes: {},
    });
  }
  const labels = txs.map((tx) => ({
    txId: tx.txId,
    isFraud: frauds.has(tx.txId),
    labeledAt: tx.eventTime + 5 * MIN + Math.floor(r() * 40 * MIN),
  }));
  return { txs, labels, frauds };
}

/** Payments and labels in time order (a label at its arrival time), as runs of one kind. */
function interleaved(world: World): Array<{ kind: 'tx'; items: Transaction[] } | { kind: 'label'; items: Label[] }> {
  const events = [
    ...world.txs.map((tx) => ({ at: tx.eventTime, tx })),
    ...world.labels.map((l) => ({
      at: l.labeledAt,
      label: { ...l, source: 'CHARGEBACK' as const, note: null, typology: null, author: null },
    })),
  ].sort((a, b) => a.at - b.at);
  const runs: ReturnType<typeof interleaved> = [];
  for (const e of events) {
    const last = runs[runs.length - 1];
    if ('tx' in e) {
      if (last?.kind === 'tx') last.items.push(e.tx);
      else runs.push({ kind: 'tx', items: [e.tx] });
    } else if (last?.kind === 'label') last.items.push(e.label);
    else runs.push({ kind: 'label', items: [e.label] });
  }
  return runs;
}

/** The card model: trained on an earlier day of the same world (other cards), its labels 20 min late. */
async function trainCardModel(compiled: CompiledFeatureSpec, runId: string, start: number) {
  const history = cardWorld(runId, 1_500, start - 24 * 60 * MIN);
  const dir = join(await mkdtemp(join(tmpdir(), 'spec-labels-')), 'card-v1');
  await trainDirectArtifact(dir, {
    txs: history.txs,
    labels: Float32Array.from(history.txs, (tx) => (history.frauds.has(tx.txId) ? 1 : 0)),
    labelDelayMs: 20 * MIN,
    spec: compiled,
    params: trainParams({ rounds: 5, maxDepth: 3, eta: 0.5, seed: 3 }),
    version: 'card-v1',
    thresholds: { review: 0.5, block: 0.9 },
  });
  return { dir, artifact: await readArtifact(dir) };
}

/** Publishes runs of payments and labels in order (a run is written before the next starts). */
async function publishInterleaved(p: Pipeline, runs: ReturnType<typeof interleaved>): Promise<void> {
  const producer = p.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const run of runs) {
      if (run.kind === 'tx') await p.publish(run.items);
      else
        await producer.send({
          topic: p.topics.labels,
          messages: run.items.map((l) => ({ key: l.txId, value: p.codecs.label.encode(l) })),
        });
    }
  } finally {
    await producer.disconnect();
  }
}

type Artifact = Awaited<ReturnType<typeof readArtifact>>;

/** The offline engine's features and the model's scores for the whole world, by txId. */
async function offlineOf(compiled: CompiledFeatureSpec, world: World, artifact: Artifact) {
  const offline = compiled.computeFile(world.txs, world.labels);
  const serving = await createServingModel({
    version: 'card-v1',
    featureSet: 'payments-v1',
    featureNames: compiled.names,
    onnx: artifact.onnx,
    modelJson: artifact.modelJson,
  });
  const scores = await serving.predict(offline);
  await serving.dispose();
  const cols = compiled.names.length;
  const row = new Map(world.txs.map((tx, i) => [tx.txId, i]));
  return (txId: string) => {
    const i = row.get(txId)!;
    return { features: Array.from(offline.data.subarray(i * cols, (i + 1) * cols)), score: scores[i] };
  };
}

describe('a model trained on payments-v1 (card payments, label features), served online (real broker)', () => {
  let p: Pipeline;
  let compiled: CompiledFeatureSpec;
  beforeAll(async () => {
    p = await createPipeline('spec-labels', 3);
    await p.admin.create(p.topics.labels, 2);
    // The shipped card-payments spec: customer windows, terminal and merchant views, label risk.
    compiled = compileFeatureSpec(loadFeatureSpec('payments-v1'));
  });
  afterAll(async () => p?.cleanup());

  it('scores card payments with the offline engine features and scores on the same rows and labels', async () => {
    const start = Date.now() - 5 * 60 * MIN;
    const { dir, artifact } = await trainCardModel(compiled, `${p.prefix}train`, start);
    expect(artifact.metadata).toMatchObject({ featureSet: 'payments-v1', featureSpecHash: compiled.hash });

    await p.startScorer({ MODEL_BOOTSTRAP_DIR: dir, SCORER_MAX_BATCH: '40' });
    const world = cardWorld(`${p.prefix}live`, 600, start);
    await publishInterleaved(p, interleaved(world));
    await p.waitConsumed(world.txs.length, 120_000);

    const expected = await offlineOf(compiled, world, artifact);
    const scored = await p.readScored();
    expect(scored).toHaveLength(world.txs.length);
    const terminalFrauds = compiled.names.indexOf('terminal_fraud_count_7d');
    let labelled = 0;
    for (const s of scored) {
      const want = expected(s.transaction.txId);
      expect(s.featureSet).toBe('payments-v1');
      expect(s.features).toEqual(want.features);
      expect(s.score).toBe(want.score);
      if ((want.features[terminalFrauds] ?? 0) > 0) labelled++;
    }
    // The label features did see labels (the comparison is not all zeros).
    expect(labelled).toBeGreaterThan(20);
  }, 180_000);

  it('hot-swaps from an fs-v2 champion to payments-v1: its state is built from the history first', async () => {
    const q = await createPipeline('spec-swap', 3);
    try {
      await q.admin.create(q.topics.labels, 2);
      const start = Date.now() - 5 * 60 * MIN;
      const fsV2 = await trainTinyModel('swap-fs-v2');
      const card = await trainCardModel(compiled, `${q.prefix}train`, start);
      const svc = await q.startScorer({ MODEL_BOOTSTRAP_DIR: fsV2.dir, SCORER_MAX_BATCH: '40' });
      const world = cardWorld(`${q.prefix}live`, 600, start);
      const runs = interleaved(world);
      const half = Math.floor(runs.length / 2);
      await publishInterleaved(q, runs.slice(0, half));
      const before = runs.slice(0, half).reduce((n, r) => n + (r.kind === 'tx' ? r.items.length : 0), 0);
      await q.waitConsumed(before, 120_000);

      await q.publishModel(artifactToUpdate(card.artifact, card.dir));
      await waitFor(async () => svc.models.current()?.champion.version === 'card-v1', {
        timeoutMs: 60_000,
        what: 'the card model to be serving',
      });
      await publishInterleaved(q, runs.slice(half));
      await q.waitConsumed(world.txs.length, 120_000);

      const expected = await offlineOf(compiled, world, card.artifact);
      const scored = await q.readScored();
      expect(scored).toHaveLength(world.txs.length);
      const fsV2Records = scored.filter((s) => s.modelVersion === 'swap-fs-v2');
      expect(fsV2Records.map((s) => s.featureSet)).toEqual(Array(before).fill('fs-v2'));
      const after = scored.filter((s) => s.modelVersion === 'card-v1');
      expect(after).toHaveLength(world.txs.length - before);
      // Origin history rebuilt from scored (the fs-v2 model's records), views and labels from
      // their lookback: the same features as one offline pass over the whole stream.
      for (const s of after) {
        const want = expected(s.transaction.txId);
        expect(s.featureSet).toBe('payments-v1');
        expect(s.features).toEqual(want.features);
        expect(s.score).toBe(want.score);
      }
    } finally {
      await q.cleanup();
    }
  }, 180_000);

  it('max, std, filtered counts and prefix (ops no shipped spec uses) online = offline too', async () => {
    const ops = compileFeatureSpec(
      parseFeatureSpec({
        name: 'ops-test',
        version: 1,
        entities: { card: 'originAccount', terminal: 'terminalId' },
        features: [
          { name: 'amount', op: 'field', field: 'amount' },
          { name: 'card_max_1h', op: 'max', entity: 'card', window: '1h' },
          { name: 'card_std_24h', op: 'std', entity: 'card', window: '24h' },
          { name: 'terminal_max_24h', op: 'max', entity: 'terminal', window: '24h' },
          { name: 'terminal_std_1h', op: 'std', entity: 'terminal', window: '1h' },
          {
            name: 'terminal_present_1h',
            op: 'count',
            entity: 'terminal',
            window: '1h',
            filter: { field: 'type', in: ['CARD_PRESENT'] },
          },
          { name: 'merchant_zero', op: 'prefix', field: 'merchantId', prefix: 'merchant-0' },
        ],
      }),
    );
    const q = await createPipeline('spec-ops', 3);
    try {
      await q.admin.create(q.topics.labels, 2);
      const start = Date.now() - 5 * 60 * MIN;
      const model = await trainCardModel(ops, `${q.prefix}train`, start);
      await q.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '40' });
      const world = cardWorld(`${q.prefix}live`, 400, start);
      await publishInterleaved(q, interleaved(world));
      await q.waitConsumed(world.txs.length, 120_000);
      const expected = await offlineOf(ops, world, model.artifact);
      const scored = await q.readScored();
      expect(scored).toHaveLength(world.txs.length);
      for (const s of scored) {
        const want = expected(s.transaction.txId);
        expect(s.featureSet).toBe('ops-test');
        expect(s.features).toEqual(want.features);
        expect(s.score).toBe(want.score);
      }
    } finally {
      await q.cleanup();
    }
  }, 180_000);
});
