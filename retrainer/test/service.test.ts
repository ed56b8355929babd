import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromDlqMessage, readToEnd, type Producer, type ReceivedDeadLetter } from '@fraud/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { createV1ScoredEncoder } from '@fraud/schemas/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { readArtifact, trainXGBoost, type TrainInput } from '@fraud/model';
import { CONTROL_KEYS, createCodecs, topicNames, type Codecs, type ModelUpdate, type Topics } from '@fraud/schemas';
import { createRetrainerService, type RetrainerService } from '../src/service/service.ts';
import type { RunRecord } from '../src/store/registry-store.ts';
import { label, QUICK_TRAINING } from './fixtures.ts';
import { faninPhase, shuffledLabels, synthetic, takeoverPhase } from './synthetic.ts';

const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';
const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

describe('retrainer service on the real broker', () => {
  const kafka = testKafka(uniqueName('retrainer-test'));
  let admin: TestTopics;
  let topics: Topics;
  let codecs: Codecs;
  let producer: Producer;
  let svc: RetrainerService;
  let base: string;
  let artifactsDir: string;
  let trainer: (i: TrainInput) => ReturnType<typeof trainXGBoost> = trainXGBoost;

  const sendScored = (records: ReturnType<typeof synthetic>['records']) =>
    producer.send({
      topic: topics.scored,
      messages: records.map((r) => ({ key: r.transaction.originAccount, value: codecs.scored.encode(r) })),
    });
  const sendLabels = (labels: ReturnType<typeof synthetic>['labels']) =>
    producer.send({
      topic: topics.labels,
      messages: labels.map((l) => ({ key: l.txId, value: codecs.label.encode(l) })),
    });
  const runs = (): Promise<RunRecord[]> => svc.store.registry.runs();
  const readUpdates = async (): Promise<{ key: string; value: ModelUpdate | null }[]> => {
    const out: { key: string; value: ModelUpdate | null }[] = [];
    const offsets = await admin.admin.fetchTopicOffsets(topics.modelUpdates);
    const end = Number(offsets[0]?.high ?? 0);
    if (end === 0) return out;
    const consumer = kafka.consumer({ groupId: uniqueName('mu-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.modelUpdates, fromBeginning: true });
    let last = -1;
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push({
          key: message.key?.toString() ?? '',
          value: message.value ? await codecs.modelUpdate.decode(message.value) : null,
        });
        last = Number(message.offset);
      },
    });
    await waitFor(() => last >= end - 1, { timeoutMs: 20_000, what: 'model-updates read' });
    await consumer.disconnect();
    return out;
  };

  beforeAll(async () => {
    const prefix = `${uniqueName('rt')}.`;
    topics = topicNames(prefix);
    admin = await testTopics(kafka);
    await admin.create(topics.scored, 3);
    await admin.create(topics.labels, 3);
    await admin.create(topics.dlq, 1);
    await admin.create(topics.modelUpdates, 1, {
      'cleanup.policy': 'compact',
      'max.message.bytes': String(16 * 1024 * 1024),
    });
    await admin.create(topics.control, 1, { 'cleanup.policy': 'compact' });
    codecs = await createCodecs({ registryUrl: REGISTRY_URL, topics });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    artifactsDir = mkdtempSync(join(tmpdir(), 'rt-artifacts-'));
    svc = await createRetrainerService({
      kafka,
      codecs,
      topics,
      dbPath: join(mkdtempSync(join(tmpdir(), 'rt-db-')), 'retrainer.duckdb'),
      artifactsDir,
      groupId: uniqueName('retrainer'),
      port: 0,
      host: '127.0.0.1',
      tickMs: 200,
      logger: createLogger('retrainer-test', 'warn'),
      train: (i) => trainer(i),
      initialPolicy: {
        ...QUICK_TRAINING,
        minNewLabels: 5000,
        minIntervalMinutes: 0,
        trainingWindowHours: 60,
        retentionHours: 500,
        drift: { psiThreshold: null },
      },
    });
    await svc.start();
    base = `http://127.0.0.1:${svc.port()}`;
  });

  afterAll(async () => {
    await svc?.stop();
    await producer?.disconnect();
    await admin?.cleanup();
  });

  it('handles early, duplicate, unknown and undecodable labels, counted, without crashing', async () => {
    const early = synthetic({
      start: T0 - 10 * H,
      hours: 1,
      rows: 20,
      fraudRate: 0.5,
      faninShare: 0,
      seed: 11,
      prefix: 'early',
    });
    await sendLabels(early.labels); // before their transactions
    await sendLabels([label('never-seen-1', true), label('never-seen-2', false)]);
    await producer.send({ topic: topics.labels, messages: [{ key: 'junk', value: Buffer.from('not avro at all') }] });
    await waitFor(async () => (await svc.store.training.counters()).labels_early >= 22, {
      timeoutMs: 30_000,
      what: 'early labels pending',
    });
    // Half the records framed as a v1 writer did (Transaction v1 inlined): read all the same.
    const encodeV1 = await createV1ScoredEncoder(REGISTRY_URL, `${uniqueName('rt-scored-v1')}-value`);
    await sendScored(early.records.slice(0, 10));
    await producer.send({
      topic: topics.scored,
      messages: early.records.slice(10).map((r) => ({ key: r.transaction.originAccount, value: encodeV1(r) })),
    });
    await sendLabels(early.labels.slice(0, 5)); // redelivered verdicts
    await waitFor(
      async () => {
        const c = await svc.store.training.counters();
        return c.labels_early_joined === 20 && c.labels_duplicate === 5 && c.records_invalid === 1;
      },
      { timeoutMs: 30_000, what: 'early labels joined, duplicates and junk counted' },
    );
    // The junk record is dead-lettered with the shared dlq.* headers, its bytes untouched.
    const dead: ReceivedDeadLetter[] = [];
    await readToEnd({
      kafka,
      topic: topics.dlq,
      groupId: uniqueName('rt-dlq'),
      logger: createLogger('rt-dlq', 'silent'),
      timeoutMs: 30_000,
      onMessages: async (messages) => void dead.push(...messages.map(fromDlqMessage)),
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: 'DECODE_WRONG_MAGIC', service: 'retrainer', topic: topics.labels });
    expect(dead[0]!.value?.toString()).toBe('not avro at all');
    // A runtime policy edit shortens the pending TTL: the two unknown labels expire.
    const res = await fetch(`${base}/api/policy`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-fraud-actor': 'test' },
      body: JSON.stringify({ pendingLabelTtlMinutes: 0.001 }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await svc.store.training.counters()).labels_unknown_expired === 2, {
      timeoutMs: 30_000,
      what: 'unknown labels expired',
    });
    const back = await fetch(`${base}/api/policy`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pendingLabelTtlMinutes: 60 }),
    });
    expect(back.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/fraud_retrainer_records_total\{outcome="labels_unknown_expired",service="retrainer"\} 2/);
  });

  it('retrains when enough labels arrive and publishes the winner as champion', async () => {
    const phase1 = takeoverPhase(T0);
    await sendScored(phase1.records);
    await sendLabels(phase1.labels);
    const promoted = await waitFor(async () => (await runs()).find((r) => r.status === 'promoted'), {
      timeoutMs: 90_000,
      what: 'a promoted run',
    });
    expect(promoted.trigger).toBe('labels');
    const updates = await waitFor(
      async () => {
        const u = await readUpdates();
        return u.some((x) => x.value?.version === promoted.version) ? u : null;
      },
      { timeoutMs: 30_000, what: 'champion on model-updates' },
    );
    const champ = updates.find((u) => u.value?.version === promoted.version);
    expect(champ?.key).toBe('champion');
    expect(champ?.value?.role).toBe('CHAMPION');
    const artifact = await readArtifact(join(artifactsDir, promoted.version));
    expect(champ?.value?.sha256).toBe(artifact.metadata.sha256);
    await waitFor(() => svc.models.champion()?.version === promoted.version, {
      timeoutMs: 20_000,
      what: 'retrainer sees its champion',
    });
  });

  it('rejects a worse challenger (shuffled labels) and records why; the champion stays', async () => {
    const champion = svc.models.champion()?.version;
    trainer = shuffledLabels;
    try {
      const res = await fetch(`${base}/api/retrain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ force: true }),
      });
      const run = (await res.json()) as RunRecord;
      expect(res.status).toBe(200);
      expect(run.status).toBe('rejected');
      expect(run.reason).toMatch(/champion kept/);
    } finally {
      trainer = trainXGBoost;
    }
    const updates = await readUpdates();
    expect(updates.filter((u) => u.key === 'champion').map((u) => u.value?.version)).toEqual([champion]);
    const list = (await (await fetch(`${base}/api/models`)).json()) as { version: string; status: string }[];
    expect(list.find((m) => m.version === champion)?.status).toBe('champion');
    expect(list.some((m) => m.status === 'rejected')).toBe(true);
  });

  it('applies policy edits from the API and the control topic without restart, refuses bad ones', async () => {
    const bad = await fetch(`${base}/api/policy`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ promotion: { metric: 'accuracy' } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/promotion\.metric/);
    expect(svc.manager.current().promotion.metric).toBe('aucpr');
    const current = svc.manager.current();
    await producer.send({
      topic: topics.control,
      messages: [
        {
          key: CONTROL_KEYS.retrainPolicy,
          value: JSON.stringify({ ...current, minNewLabels: 4321, updatedBy: 'console:alice' }),
        },
      ],
    });
    await waitFor(() => svc.manager.current().minNewLabels === 4321, {
      timeoutMs: 20_000,
      what: 'control-topic edit applied',
    });
    await producer.send({
      topic: topics.control,
      messages: [{ key: CONTROL_KEYS.retrainPolicy, value: '{"minNewLabels": "lots"' }],
    });
    await waitFor(
      async () => (await svc.store.registry.audit()).some((a) => a.source === 'control-topic' && !a.accepted),
      { timeoutMs: 20_000, what: 'bad control record refused' },
    );
    expect(svc.manager.current().minNewLabels).toBe(4321);
    const audit = await svc.store.registry.audit();
    expect(audit.find((a) => a.accepted && a.source === 'control-topic')?.actor).toBe('console:alice');
  });

  it('promotes a challenger that learned a new typology over the champion', async () => {
    const before = svc.models.champion()?.version;
    const phase2 = faninPhase(T0 + 48 * H);
    await sendScored(phase2.records);
    await sendLabels(phase2.labels);
    const run = await waitFor(
      async () => (await runs()).find((r) => r.status === 'promoted' && r.championVersion === before),
      { timeoutMs: 90_000, what: 'second promotion' },
    );
    expect((run.challengerMetrics as { aucpr: number }).aucpr).toBeGreaterThan(
      (run.championMetrics as { aucpr: number }).aucpr,
    );
    await waitFor(() => svc.models.champion()?.version === run.version, {
      timeoutMs: 20_000,
      what: 'new champion live',
    });
    // and an operator can roll back to the previous champion
    const rb = await fetch(`${base}/api/models/rollback`, { method: 'POST', headers: { 'x-fraud-actor': 'ops' } });
    expect(rb.status).toBe(200);
    expect(((await rb.json()) as { version: string }).version).toBe(before);
    await waitFor(() => svc.models.champion()?.version === before, {
      timeoutMs: 20_000,
      what: 'rolled back champion live',
    });
    const pubs = await svc.store.registry.publications();
    expect(pubs[0]).toMatchObject({ version: before, action: 'rollback', actor: 'ops' });
  });

  it('refuses to publish an artifact of a retired feature set, saying to retrain, and the champion stays', async () => {
    const live = svc.models.champion()!.version;
    // A copy of the live champion's artifact that claims the retired fs-v1 feature set.
    const old = `${live}-fs-v1`;
    cpSync(join(artifactsDir, live), join(artifactsDir, old), { recursive: true });
    const metaPath = join(artifactsDir, old, 'metadata.json');
    writeFileSync(
      metaPath,
      JSON.stringify({ ...(JSON.parse(readFileSync(metaPath, 'utf8')) as object), version: old, featureSet: 'fs-v1' }),
    );
    const res = await fetch(`${base}/api/models/${old}/promote`, {
      method: 'POST',
      headers: { 'x-fraud-actor': 'ops', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('MODEL_INCOMPATIBLE');
    expect(body.message).toMatch(/fs-v1.*retired.*retrain/s);
    expect(svc.models.champion()!.version).toBe(live);
    expect((await svc.store.registry.publications())[0]!.version).not.toBe(old);
  });
});
