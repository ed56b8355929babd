import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '@fraud/common';
import type { ModelUpdate } from '@fraud/schemas';
import { createServiceServer, type ServiceServer } from '../src/http/service-server.ts';
import { LABELS_TABLE, MODEL_VERSIONS_TABLE, SCORED_TABLE } from '../src/warehouse/columns.ts';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { createQueryRouter } from '../src/warehouse/query-api.ts';
import { QUESTIONS } from '../src/warehouse/questions.ts';
import { labelRow, modelVersionRow, scoredRow } from '../src/warehouse/rows.ts';
import type { WarehouseStore } from '../src/warehouse/store.ts';
import { labelRecord, scoredRecord } from './fixtures.ts';

const N = 40;
const recs = Array.from({ length: N }, (_, i) => scoredRecord('wh', i));
const fraudIdx = new Set([0, 3, 9, 10, 19]);

describe('DuckDB warehouse and its query API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-duck-'));
  let store: WarehouseStore;
  let http: ServiceServer;
  let base: string;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return {
      status: res.status,
      body: (await res.json()) as { rows: Record<string, unknown>[]; message?: string; issues?: { param: string }[] },
    };
  };

  beforeAll(async () => {
    store = await createDuckDbStore({ path: join(dir, 'w.duckdb') });
    await store.init();
    await store.upsert(
      SCORED_TABLE,
      recs.map((r, i) => scoredRow(r, { partition: i % 3, offset: i })),
    );
    await store.upsert(
      LABELS_TABLE,
      recs.slice(0, 20).map((_, i) => labelRow(labelRecord('wh', i, fraudIdx.has(i)))),
    );
    const mu: ModelUpdate = {
      version: 'm-1',
      role: 'CHAMPION',
      createdAt: 1_700_000_000_000,
      onnx: null,
      uri: 's3://models/m-1.onnx',
      sha256: 'ab'.repeat(32),
      featureSet: 'fs-v1',
      reviewThreshold: 0.7,
      blockThreshold: 0.9,
      metadataJson: '{"auprc":0.8}',
      modelJson: null,
    };
    await store.upsert(MODEL_VERSIONS_TABLE, [modelVersionRow(mu)]);
    http = createServiceServer({ registry: new Registry(), port: 0, healthy: () => true, name: 'test' });
    http.app.use(createQueryRouter({ store, logger: createLogger('q', 'silent') }));
    base = `http://127.0.0.1:${await http.listen()}`;
  });
  afterAll(async () => {
    await http.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upserts by key: replaying a batch (even with a key twice) replaces rows instead of adding them', async () => {
    const replay = [...recs.slice(0, 10), { ...recs[5]!, decision: 'BLOCK' as const, score: 0.99 }];
    await store.upsert(
      SCORED_TABLE,
      replay.map((r, i) => scoredRow(r, { partition: 0, offset: 1000 + i })),
    );
    const [c] = await store.query('SELECT COUNT(*) AS n, COUNT(DISTINCT txId) AS d FROM scored', {});
    expect(c).toEqual({ n: N, d: N });
    const [row] = await store.query('SELECT decision, score, kafkaOffset FROM scored WHERE txId = $id', {
      id: 'wh-tx-5',
    });
    expect(row).toEqual({ decision: 'BLOCK', score: 0.99, kafkaOffset: 1010 });
    // put it back as it was for the questions below
    await store.upsert(SCORED_TABLE, [scoredRow(recs[5]!, { partition: 2, offset: 5 })]);
  });

  it('answers every named question', async () => {
    for (const q of QUESTIONS) {
      const params =
        q.name === 'decision'
          ? '?txId=wh-tx-1'
          : q.name === 'account-history'
            ? `?account=${recs[0]!.transaction.originAccount}`
            : '';
      const r = await get(`/api/questions/${q.name}${params}`);
      expect(r.status, `${q.name}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.rows.length, q.name).toBeGreaterThan(0);
    }
  });

  it('returns the right numbers', async () => {
    const dec = await get('/api/questions/decision-counts');
    const total = dec.body.rows.reduce((a, r) => a + (r.transactions as number), 0);
    expect(total).toBe(N);
    const blocks = dec.body.rows
      .filter((r) => r.decision === 'BLOCK')
      .reduce((a, r) => a + (r.transactions as number), 0);
    expect(blocks).toBe(recs.filter((r) => r.decision === 'BLOCK').length);
    const hits = await get('/api/questions/rule-hits');
    expect(hits.body.rows).toEqual([
      expect.objectContaining({
        rules: 'high-score',
        payments: blocks,
        amount: recs.filter((r) => r.decision === 'BLOCK').reduce((a, r) => a + r.transaction.amount, 0),
      }),
    ]);

    const one = await get('/api/questions/decision?txId=wh-tx-3');
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0]).toMatchObject({
      txId: 'wh-tx-3',
      eventTime: recs[3]!.transaction.eventTime,
      isFraud: true,
      typology: 'account-takeover',
      reasons: recs[3]!.reasons,
      rulesFired: recs[3]!.rulesFired,
    });
    expect(one.body.rows[0]!.features).toEqual(recs[3]!.features.map(Math.fround)); // FLOAT[] column: float32

    const recent = await get('/api/questions/recent-decisions?type=TRANSFER&limit=3');
    expect(recent.body.rows).toHaveLength(3);
    expect(recent.body.rows.every((r) => r.type === 'TRANSFER')).toBe(true);
    expect(recent.body.rows.map((r) => r.scoredAt)).toEqual(
      [...recent.body.rows.map((r) => r.scoredAt as number)].sort((a, b) => b - a),
    );

    const hist = await get(`/api/questions/account-history?account=${recs[0]!.transaction.originAccount}`);
    expect(hist.body.rows.map((r) => r.txId).sort()).toEqual(
      recs
        .filter((r) => r.transaction.originAccount === recs[0]!.transaction.originAccount)
        .map((r) => r.transaction.txId)
        .sort(),
    );

    const ex = await get('/api/questions/labelled-examples?limit=7');
    expect(ex.body.rows).toHaveLength(7);
    const page2 = await get(
      `/api/questions/labelled-examples?limit=100&afterEventTime=${ex.body.rows[6]!.eventTime}` +
        `&afterTxId=${ex.body.rows[6]!.txId}`,
    );
    expect(page2.body.rows).toHaveLength(13); // 20 labelled in all
    expect(page2.body.rows.filter((r) => r.isFraud).length + ex.body.rows.filter((r) => r.isFraud).length).toBe(
      fraudIdx.size,
    );

    const rate = await get('/api/questions/fraud-rate-by-type-hour');
    expect(rate.body.rows.reduce((a, r) => a + (r.fraud as number), 0)).toBe(fraudIdx.size);
    expect(rate.body.rows.reduce((a, r) => a + (r.labelled as number), 0)).toBe(20);

    const models = await get('/api/questions/model-versions');
    expect(models.body.rows[0]).toMatchObject({
      version: 'm-1',
      role: 'CHAMPION',
      metadata: { auprc: 0.8 },
      createdAt: 1_700_000_000_000,
    });
  });

  it('refuses bad and hostile parameters with a 400 naming the parameter, and unknown questions with 404', async () => {
    const hostile = [
      ["recent-decisions?type=TRANSFER' OR 1=1 --", 'type'],
      ['recent-decisions?limit=1;DROP TABLE scored', 'limit'],
      ['recent-decisions?limit=100000', 'limit'],
      ["decision?txId=x' OR '1'='1", 'txId'],
      ['decision', 'txId'],
      ['account-history?account=a%3BDROP%20TABLE%20labels', 'account'],
      ['decision-counts?sql=SELECT%201', 'sql'],
    ] as const;
    for (const [path, param] of hostile) {
      const r = await get(`/api/questions/${path}`);
      expect(r.status, path).toBe(400);
      expect(r.body.message, path).toContain(param);
    }
    expect((await get('/api/questions/drop-everything')).status).toBe(404);
    const [c] = await store.query('SELECT COUNT(*) AS n FROM scored', {});
    expect(c).toEqual({ n: N });
  });
});
