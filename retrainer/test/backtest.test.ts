import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYSIM_FIXTURES_DIR, uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { DEFAULT_COSTS, loadModelArtifact, loadPaysimCsv, trainParams, trainPipeline } from '@fraud/model';
import { createCodecs, topicNames, type Label } from '@fraud/schemas';
import { readCsvRows, runBacktest } from '../src/backtest/index.ts';
import { readTopicRange } from '../src/backtest/topic-source.ts';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = PAYSIM_FIXTURES_DIR;
const TRAIN_CSV = join(DATA, 'paysim-steps1-119-sample.csv');
const EVAL_CSV = join(DATA, 'paysim-head-5330.csv');
const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

interface JsonReport {
  rows: number;
  positives: number;
  auprc: number;
  flagged: { tp: number; fp: number; tn: number; fn: number; precision: number; recall: number };
  cost: { total: number };
  byType: Record<string, { auprc: number | null; flagged: { tp: number; fp: number } }>;
}

describe('backtests', () => {
  let artifacts: string;
  let version: string;
  let dbPath: string;

  beforeAll(async () => {
    artifacts = mkdtempSync(join(tmpdir(), 'bt-artifacts-'));
    dbPath = join(mkdtempSync(join(tmpdir(), 'bt-db-')), 'retrainer.duckdb');
    const rows = await loadPaysimCsv(TRAIN_CSV);
    const res = await trainPipeline({
      rows: rows.map((r) => ({ tx: r.tx, isFraud: r.isFraud, typology: r.typology })),
      params: trainParams({
        rounds: 40,
        earlyStoppingRounds: 10,
        maxDepth: 4,
        eta: 0.2,
        subsample: 0.9,
        colsampleBytree: 0.9,
      }),
      costs: DEFAULT_COSTS,
      split: { gapMs: 3_600_000, validFraction: 0.2, testFraction: 0.2 },
      outDir: artifacts,
    });
    version = res.version;
  });

  it('a CSV backtest reproduces `fraud model evaluate` on the same data (both CLIs, JSON)', async () => {
    const env = {
      ...process.env,
      MODEL_ARTIFACTS_DIR: artifacts,
      RETRAINER_DB_PATH: dbPath,
      RETRAINER_URL: 'http://127.0.0.1:1',
      LOG_LEVEL: 'warn',
    };
    const [evalOut, btOut] = await Promise.all([
      run(
        'node',
        [
          'bin/fraud.mjs',
          'model',
          'evaluate',
          '--model',
          join(artifacts, version),
          '--csv',
          EVAL_CSV,
          '--json',
          '--no-progress',
        ],
        { cwd: ROOT, env, maxBuffer: 64 << 20 },
      ),
      run('node', ['bin/fraud.mjs', 'backtest', '--model', version, '--csv', EVAL_CSV, '--json'], {
        cwd: ROOT,
        env,
        maxBuffer: 64 << 20,
      }),
    ]);
    const expected = JSON.parse(evalOut.stdout) as JsonReport;
    const got = JSON.parse(btOut.stdout) as JsonReport & { backtestId: string };
    expect(got.rows).toBe(expected.rows);
    expect(got.positives).toBe(expected.positives);
    expect(got.auprc).toBe(expected.auprc);
    expect(got.flagged).toEqual(expected.flagged);
    expect(got.cost.total).toBe(expected.cost.total);
    expect(Object.keys(got.byType)).toEqual(Object.keys(expected.byType));
    for (const t of Object.keys(expected.byType)) expect(got.byType[t]?.flagged).toEqual(expected.byType[t]?.flagged);
    // and it was stored for the console
    const { openStore } = await import('../src/store/index.ts');
    const store = await openStore(dbPath);
    try {
      const stored = await store.registry.backtests();
      expect(stored.map((b) => b.backtestId)).toContain(got.backtestId);
      expect(stored[0]?.version).toBe(version);
    } finally {
      store.db.close();
    }
  }, 180_000);

  describe('from the transactions topic', () => {
    const kafka = testKafka(uniqueName('bt'));
    let admin: TestTopics;
    const topics = topicNames(`${uniqueName('bt')}.`);
    beforeAll(async () => {
      admin = await testTopics(kafka);
      await admin.create(topics.transactions, 3);
      await admin.create(topics.labels, 3);
    });
    afterAll(async () => admin?.cleanup());

    it('replays a time range by offsets in event-time order, matching the CSV backtest of the same rows', async () => {
      const codecs = await createCodecs({ registryUrl: REGISTRY_URL, topics });
      const csvRows = await readCsvRows(EVAL_CSV);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const from = Date.now();
      // Published in shuffled chunks: the replay must restore event-time order itself.
      const order = csvRows.map((_, i) => i).sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101) || a - b);
      for (let k = 0; k < order.length; k += 1000) {
        const chunk = order.slice(k, k + 1000).map((i) => csvRows[i]!);
        await producer.send({
          topic: topics.transactions,
          messages: chunk.map((r) => ({ key: r.tx.originAccount, value: codecs.transaction.encode(r.tx) })),
        });
        await producer.send({
          topic: topics.labels,
          messages: chunk.map((r) => {
            const l: Label = {
              txId: r.tx.txId,
              isFraud: r.isFraud === true,
              source: 'SIMULATION',
              labeledAt: Date.now(),
              note: null,
              typology: r.isFraud ? 'takeover' : null,
              author: null,
            };
            return { key: l.txId, value: codecs.label.encode(l) };
          }),
        });
      }
      const to = Date.now();
      await producer.disconnect();
      const { rows, skipped } = await readTopicRange({ kafka, codecs, topics, from, to, warmupMs: 0 });
      expect(skipped).toBe(0);
      expect(rows).toHaveLength(csvRows.length);
      const art = await loadModelArtifact(join(artifacts, version));
      try {
        const fromTopic = await runBacktest({ art, rows, source: 'topic' });
        const fromCsv = await runBacktest({
          art,
          rows: csvRows.map((r) => ({ ...r, typology: r.isFraud ? 'takeover' : null })),
          source: 'csv',
        });
        expect(fromTopic.report.auprc).toBe(fromCsv.report.auprc);
        expect(fromTopic.report.flagged).toEqual(fromCsv.report.flagged);
        expect(fromTopic.report.byTypology.takeover?.frauds).toBe(fromCsv.report.positives);
        expect(fromTopic.report.byTypology.takeover?.recall).toBe(fromCsv.report.flagged.recall);
      } finally {
        await art.model.dispose();
      }
    }, 180_000);
  });
});
