import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@fraud/common/testing';
import {
  compileFeatureSpec,
  createServingModel,
  parseFeatureSpec,
  readArtifact,
  trainDirectArtifact,
  trainParams,
  type CompiledFeatureSpec,
  type LabelEvent,
} from '@fraud/model';
import type { Label, Transaction } from '@fraud/schemas';
import { createPipeline, type Pipeline } from './harness.ts';

const MIN = 60_000;

/** A card-payments spec (no balances) with every kind of feature the scorer feeds: origin, views, labels. */
const CARD_SPEC = parseFeatureSpec({
  name: 'card-test',
  version: 1,
  entities: { card: 'originAccount', terminal: 'terminalId', merchant: 'merchantId' },
  features: [
    { name: 'amount', op: 'field', field: 'amount', transform: 'log1p' },
    { name: 'hour', op: 'hourOfDay' },
    { name: 'card_count_1h', op: 'count', entity: 'card', window: '1h' },
    { name: 'card_mean_24h', op: 'mean', entity: 'card', window: '24h' },
    { name: 'card_since_prev', op: 'secondsSincePrevious', entity: 'card' },
    { name: 'card_frauds_7d', op: 'fraudCount', entity: 'card', window: '7d' },
    { name: 'terminal_count_24h', op: 'count', entity: 'terminal', window: '24h' },
    { name: 'terminal_frauds_7d', op: 'fraudCount', entity: 'terminal', window: '7d' },
    { name: 'terminal_fraud_rate_7d', op: 'fraudRate', entity: 'terminal', window: '7d' },
    { name: 'merchant_cards_24h', op: 'distinct', entity: 'merchant', of: 'originAccount', window: '24h' },
  ],
});

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

describe('a model trained on a card spec with label features, served online (real broker)', () => {
  let p: Pipeline;
  let compiled: CompiledFeatureSpec;
  beforeAll(async () => {
    p = await createPipeline('spec-labels', 3);
    await p.admin.create(p.topics.labels, 2);
    compiled = compileFeatureSpec(CARD_SPEC);
  });
  afterAll(async () => p?.cleanup());

  it('scores card payments with the features and scores of the offline engine on the same rows and labels', async () => {
    const start = Date.now() - 5 * 60 * MIN;
    // Train on an earlier day's traffic of the same world (other cards), its labels 20 min late.
    const history = cardWorld(`${p.prefix}train`, 1_500, start - 24 * 60 * MIN);
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
    const artifact = await readArtifact(dir);
    expect(artifact.metadata).toMatchObject({ featureSet: 'card-test', featureSpecHash: compiled.hash });

    await p.startScorer({ MODEL_BOOTSTRAP_DIR: dir, SCORER_MAX_BATCH: '40' });
    const world = cardWorld(`${p.prefix}live`, 600, start);
    const producer = p.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const run of interleaved(world)) {
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
    await p.waitConsumed(world.txs.length, 120_000);

    const offline = compiled.computeFile(world.txs, world.labels);
    const serving = await createServingModel({
      version: 'card-v1',
      featureSet: 'card-test',
      featureNames: compiled.names,
      onnx: artifact.onnx,
      modelJson: artifact.modelJson,
    });
    const offlineScores = await serving.predict(offline);
    await serving.dispose();
    const row = new Map(world.txs.map((tx, i) => [tx.txId, i]));
    const scored = await p.readScored();
    expect(scored).toHaveLength(world.txs.length);
    const cols = compiled.names.length;
    let labelled = 0;
    for (const s of scored) {
      const i = row.get(s.transaction.txId)!;
      expect(s.featureSet).toBe('card-test');
      expect(s.features).toEqual(Array.from(offline.data.subarray(i * cols, (i + 1) * cols)));
      expect(s.score).toBe(offlineScores[i]);
      if ((offline.data[i * cols + compiled.names.indexOf('terminal_frauds_7d')] ?? 0) > 0) labelled++;
    }
    // The label features did see labels (the comparison is not all zeros).
    expect(labelled).toBeGreaterThan(20);
  });
});
