import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, waitFor } from '@fraud/common';
import { startMetricsServer } from '@fraud/kafka';
import { testKafka } from '@fraud/kafka/testing';
import type { Label, Transaction } from '@fraud/schemas';
import {
  createIdempotentProducer,
  createLabelScheduler,
  createProducerMetrics,
  createPublisher,
  createSimulator,
  DEFAULT_SCENARIO,
  runSimulation,
} from '../src/index.ts';
import { prefixedTopics, readBack, REGISTRY_URL } from './kafka-helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const kafka = testKafka('producers-simulate-test');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('simulate through the real broker and schema registry', () => {
  it(
    'publishes n transactions keyed by origin account and their labels in due order; metrics count them',
    { timeout: 300_000 },
    async () => {
      const { topics, codecs, cleanup } = await prefixedTopics(kafka, 'sim');
      cleanups.push(cleanup);
      const registry = createMetricsRegistry('producers-test');
      const metrics = createProducerMetrics(registry);
      const server = await startMetricsServer({ registry, port: 0, host: '127.0.0.1' });
      cleanups.push(() => server.close());
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      const scenario = {
        ...DEFAULT_SCENARIO,
        phases: [{ name: 'all', fromMs: 0, typologies: { takeover: 0.01, 'velocity-burst': 0.01 } }],
      };
      const simulator = createSimulator({ seed: 'kafka', scenario, start: Date.UTC(2026, 0, 1) });
      const publisher = createPublisher({ producer, topics, encoders: codecs, batchSize: 2_000, metrics });
      const n = 6_000;
      const summary = await runSimulation(
        { simulator, publisher, scheduler: createLabelScheduler(), metrics },
        { count: n, speed: 'max', labels: true },
      );
      expect(summary).toMatchObject({ transactions: n, labels: n, failed: 0, pendingLabels: 0, stoppedBy: 'count' });
      expect(summary.fraud).toBeGreaterThan(0);

      const txs = await readBack<Transaction>(kafka, topics.transactions, n, (b) => codecs.transaction.decode(b));
      const labels = await readBack<Label>(kafka, topics.labels, n, (b) => codecs.label.decode(b));
      const ids = new Set(txs.values.map((t) => t.txId));
      expect(ids.size).toBe(n);
      expect(new Set(labels.values.map((l) => l.txId))).toEqual(ids);
      expect(labels.values.filter((l) => l.isFraud).length).toBe(summary.fraud);
      // Labels leave in simulated due-time order: within each partition labeledAt never goes back.
      for (const values of labels.byPartition.values()) {
        for (let i = 1; i < values.length; i++)
          expect(values[i]!.labeledAt).toBeGreaterThanOrEqual(values[i - 1]!.labeledAt);
      }
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(body).toContain(`fraud_producer_sent_total{topic="${topics.transactions}",service="producers-test"} ${n}`);
      expect(body).toContain(`fraud_producer_sent_total{topic="${topics.labels}",service="producers-test"} ${n}`);
      expect(body).toMatch(/fraud_producer_rate\{service="producers-test"\} \d/);
    },
  );

  it(
    'fraud simulate stops cleanly on SIGINT: everything it reports as sent is on the topic',
    { timeout: 480_000 },
    async () => {
      const { prefix, topics, codecs, admin, cleanup } = await prefixedTopics(kafka, 'sim-cli');
      cleanups.push(cleanup);
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/fraud.mjs'), 'simulate', '--max', '--seed', '42', '--metrics-port', '0', '--no-labels'],
        {
          env: { ...process.env, TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: REGISTRY_URL, LOG_LEVEL: 'error' },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const onTopic = async () => {
        const offsets = await admin.fetchTopicOffsets(topics.transactions);
        return offsets.reduce((a, o) => a + Number(o.high), 0);
      };
      await waitFor(async () => (await onTopic()) >= 1_000, {
        timeoutMs: 300_000,
        what: `1,000 simulated transactions on the topic (stderr: ${stderr})`,
      });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/simulate: done \(signal\)/);
      const sent = Number(/transactions sent\s+(\d+)/.exec(stdout)?.[1]);
      expect(sent).toBeGreaterThanOrEqual(1_000);
      expect(await onTopic()).toBe(sent);
      const txs = await readBack<Transaction>(kafka, topics.transactions, sent, (b) => codecs.transaction.decode(b));
      expect(new Set(txs.values.map((t) => t.txId)).size).toBe(sent);
      expect(stderr).toMatch(/stopping, flushing what was accepted/);
    },
  );
});
