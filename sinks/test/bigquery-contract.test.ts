import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { createLogger, isFraudError } from '@fraud/common';
import { createBigQueryClient } from '../src/bigquery-client.ts';
import { LABELS_TABLE, SCORED_TABLE, TABLES } from '../src/warehouse/columns.ts';
import { bigQueryFields, bigQuerySchemaUpdate } from '../src/warehouse/bigquery-schema.ts';
import { createBigQueryStore } from '../src/warehouse/bigquery-store.ts';
import { renderSql } from '../src/warehouse/dialect.ts';
import { QUESTIONS_BY_NAME } from '../src/warehouse/questions.ts';
import { labelRow, scoredRow } from '../src/warehouse/rows.ts';
import type { WarehouseStore } from '../src/warehouse/store.ts';
import { startFakeBigQuery, type FakeBigQuery } from './fake-bigquery.ts';
import { labelRecord, scoredRecord } from './fixtures.ts';

const PROJECT = 'fraud-test-project';
const DATASET = 'fraud_ds';
const TOKEN = 'static-test-token';
const base = `/bigquery/v2/projects/${PROJECT}`;

/** Fake credentials: an OAuth2 client holding a static, unexpired access token. */
function staticAuth(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' });
  return c;
}

/** The Transaction v2 columns a PaySim record leaves NULL. */
const CARD_COLUMNS = ['typeName', 'merchantId', 'merchantCategory', 'terminalId', 'country', 'deviceId'];

describe('BigQuery warehouse backend (REST contract against a local fake)', () => {
  let fake: FakeBigQuery;
  let store: WarehouseStore;
  beforeEach(async () => {
    fake = await startFakeBigQuery(PROJECT);
    const bigquery = createBigQueryClient({ project: PROJECT, apiEndpoint: fake.url, authClient: staticAuth() });
    store = createBigQueryStore({
      bigquery,
      project: PROJECT,
      dataset: DATASET,
      location: 'EU',
      logger: createLogger('bq-test', 'silent'),
      retry: { retries: 4, initialDelayMs: 5, maxDelayMs: 20 },
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('creates the dataset and day-partitioned, clustered tables when missing, with a bearer token', async () => {
    await store.init();
    const calls = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([
      `GET ${base}/datasets/${DATASET}`,
      `POST ${base}/datasets`,
      ...TABLES.flatMap((t) => [
        `GET ${base}/datasets/${DATASET}/tables/${t.name}`,
        `POST ${base}/datasets/${DATASET}/tables`,
      ]),
    ]);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // the project travels in the path; the body names the dataset and its location
    expect(fake.requests[1]!.body).toEqual({ datasetReference: { datasetId: DATASET }, location: 'EU' });
    const scoredCreate = fake.requests[3]!.body as Record<string, unknown>;
    expect(scoredCreate).toEqual({
      tableReference: { projectId: PROJECT, datasetId: DATASET, tableId: 'scored' },
      schema: { fields: bigQueryFields(SCORED_TABLE) },
      timePartitioning: { type: 'DAY', field: 'eventTime' },
      clustering: { fields: ['type'] },
    });
    const fields = bigQueryFields(SCORED_TABLE);
    expect(fields.find((f) => f.name === 'txId')).toEqual({ name: 'txId', type: 'STRING', mode: 'REQUIRED' });
    expect(fields.find((f) => f.name === 'features')).toEqual({ name: 'features', type: 'FLOAT64', mode: 'REPEATED' });
    expect(fields.find((f) => f.name === 'eventTime')).toEqual({
      name: 'eventTime',
      type: 'TIMESTAMP',
      mode: 'REQUIRED',
    });
    expect(fields.find((f) => f.name === 'reasons')).toEqual({ name: 'reasons', type: 'JSON', mode: 'REQUIRED' });
    expect(fields.find((f) => f.name === 'shadowScore')).toEqual({
      name: 'shadowScore',
      type: 'FLOAT64',
      mode: 'NULLABLE',
    });

    fake.requests.length = 0;
    await store.init(); // everything exists and matches now: lookups only (each table and its schema)
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET']);
  });

  it('a scored table created before Transaction v2 gains the card columns and nullable balances', async () => {
    const v1Fields = bigQueryFields(SCORED_TABLE)
      .filter(
        (f) => !['typeName', 'merchantId', 'merchantCategory', 'terminalId', 'country', 'deviceId'].includes(f.name),
      )
      .map((f) => (f.name.endsWith('BalanceBefore') ? { ...f, mode: 'REQUIRED' as const } : f));
    fake.script((r) =>
      r.method === 'GET' && r.path === `${base}/datasets/${DATASET}/tables/scored`
        ? { status: 200, body: { tableReference: { tableId: 'scored' }, schema: { fields: v1Fields } } }
        : undefined,
    );
    await store.init();
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(`${base}/datasets/${DATASET}/tables/scored`);
    const fields = (patch?.body as { schema: { fields: Array<{ name: string; mode: string }> } }).schema.fields;
    expect(fields.slice(0, v1Fields.length).map((f) => f.name)).toEqual(v1Fields.map((f) => f.name));
    expect(fields.find((f) => f.name === 'originBalanceBefore')?.mode).toBe('NULLABLE');
    expect(fields.find((f) => f.name === 'merchantCategory')).toEqual({
      name: 'merchantCategory',
      type: 'STRING',
      mode: 'NULLABLE',
    });
    expect(bigQuerySchemaUpdate(fields as never, SCORED_TABLE)).toBeNull();
  });

  it('streams rows with insertAll: insertId = txId, skipInvalidRows, no unknown values, RFC 3339 times', async () => {
    const recs = [0, 1, 2].map((i) => scoredRecord('bq', i));
    const rejected = await store.upsert(
      SCORED_TABLE,
      recs.map((r, i) => scoredRow(r, { partition: 2, offset: 100 + i })),
    );
    expect(rejected).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(`${req.method} ${req.path}`).toBe(`POST ${base}/datasets/${DATASET}/tables/scored/insertAll`);
    const body = req.body as {
      kind: string;
      skipInvalidRows: boolean;
      ignoreUnknownValues: boolean;
      rows: { insertId: string; json: Record<string, unknown> }[];
    };
    expect(body.kind).toBe('bigquery#tableDataInsertAllRequest');
    expect(body.skipInvalidRows).toBe(true);
    expect(body.ignoreUnknownValues).toBe(false);
    expect(body.rows.map((r) => r.insertId)).toEqual(recs.map((r) => r.transaction.txId));
    const first = body.rows[0]!.json;
    expect(first.eventTime).toBe(new Date(recs[0]!.transaction.eventTime).toISOString());
    expect(first.scoredAt).toBe(new Date(recs[0]!.scoredAt).toISOString());
    expect(first.features).toEqual(recs[0]!.features);
    expect(first.amount).toBe(recs[0]!.transaction.amount);
    expect(JSON.parse(first.attributes as string)).toEqual({ seq: '0' });
    expect(first.kafkaOffset).toBe(100);
    expect(first.shadowModelVersion).toBe('m-2'); // record 0 has a shadow score
    expect('channel' in first).toBe(false); // NULL columns are omitted
    expect(Object.keys(body.rows[1]!.json).sort()).toEqual(
      SCORED_TABLE.columns
        .map((c) => c.name)
        .filter(
          (n) =>
            !['shadowModelVersion', 'shadowScore', 'shadowDecision', 'ruleSetVersion', ...CARD_COLUMNS].includes(n),
        )
        .sort(),
    );
  });

  it('retries 503 and 429 with backoff, resending the same insertIds, then succeeds', async () => {
    let failures = 0;
    fake.script((r) =>
      r.path.endsWith('/insertAll') && failures < 3
        ? {
            status: failures++ === 1 ? 429 : 503,
            body: { error: { code: 503, message: 'backend error', errors: [{ reason: 'backendError' }] } },
          }
        : undefined,
    );
    const rows = [5, 6].map((i) => labelRow(labelRecord('bq', i, i === 5)));
    expect(await store.upsert(LABELS_TABLE, rows)).toEqual([]);
    const inserts = fake.requests.filter((r) => r.path.endsWith('/labels/insertAll'));
    expect(inserts).toHaveLength(4);
    const ids = inserts.map((r) => (r.body as { rows: { insertId: string }[] }).rows.map((x) => x.insertId));
    expect(new Set(ids.map((x) => x.join()))).toEqual(new Set(['bq-tx-5,bq-tx-6']));
  });

  it('does not retry a 400 and fails with a typed, non-retriable error', async () => {
    fake.script((r) =>
      r.path.endsWith('/insertAll')
        ? {
            status: 400,
            body: { error: { code: 400, message: 'no such field: bogus', errors: [{ reason: 'invalid' }] } },
          }
        : undefined,
    );
    const err = await store.upsert(LABELS_TABLE, [labelRow(labelRecord('bq', 1, true))]).catch((e: unknown) => e);
    expect(isFraudError(err, 'BIGQUERY_FAILED')).toBe(true);
    expect((err as { retriable: boolean }).retriable).toBe(false);
    expect(fake.requests.filter((r) => r.path.endsWith('/insertAll'))).toHaveLength(1);
  });

  it('returns rows refused in insertErrors (for the DLQ) and resends rows that were only stopped', async () => {
    let first = true;
    fake.script((r) => {
      if (!r.path.endsWith('/insertAll') || !first) return undefined;
      first = false;
      return {
        status: 200,
        body: {
          kind: 'bigquery#tableDataInsertAllResponse',
          insertErrors: [
            {
              index: 1,
              errors: [{ reason: 'invalid', location: 'amount', message: 'Cannot convert value to integer' }],
            },
            { index: 2, errors: [{ reason: 'stopped', message: '' }] },
          ],
        },
      };
    });
    const rows = [0, 1, 2, 3].map((i) => scoredRow(scoredRecord('bq', i), { partition: 0, offset: i }));
    const rejected = await store.upsert(SCORED_TABLE, rows);
    expect(rejected).toEqual([
      { index: 1, code: 'BIGQUERY_INVALID', message: 'amount Cannot convert value to integer' },
    ]);
    const inserts = fake.requests.filter((r) => r.path.endsWith('/insertAll'));
    expect(inserts).toHaveLength(2);
    expect((inserts[1]!.body as { rows: { insertId: string }[] }).rows.map((x) => x.insertId)).toEqual(['bq-tx-2']);
  });

  it('asks named questions as standard SQL with named parameters over de-duplicated views', async () => {
    const q = QUESTIONS_BY_NAME.get('recent-decisions')!;
    fake.script((r) => {
      if (r.method !== 'POST' || !r.path.endsWith('/queries')) return undefined;
      return {
        status: 200,
        body: {
          kind: 'bigquery#queryResponse',
          jobComplete: true,
          totalRows: '1',
          jobReference: { projectId: PROJECT, jobId: 'job-1', location: 'EU' },
          schema: {
            fields: [
              { name: 'txId', type: 'STRING', mode: 'NULLABLE' },
              { name: 'eventTime', type: 'INTEGER', mode: 'NULLABLE' },
              { name: 'features', type: 'FLOAT', mode: 'REPEATED' },
            ],
          },
          rows: [{ f: [{ v: 'bq-tx-9' }, { v: '1795600000000' }, { v: [{ v: '0.5' }, { v: '1' }] }] }],
        },
      };
    });
    const rows = await store.query(renderSql(q.sql, store.dialect), { type: 'TRANSFER', decision: '', limit: 5 });
    expect(rows).toEqual([{ txId: 'bq-tx-9', eventTime: 1795600000000, features: [0.5, 1] }]);
    const req = fake.requests.find((r) => r.path.endsWith('/queries'))!;
    const body = req.body as {
      query: string;
      useLegacySql: boolean;
      parameterMode: string;
      queryParameters: { name: string; parameterType: { type: string }; parameterValue: { value: unknown } }[];
      location?: string;
    };
    expect(body.useLegacySql).toBe(false);
    expect(body.parameterMode.toUpperCase()).toBe('NAMED'); // the client sends 'named'; the API is case-insensitive
    expect(body.queryParameters).toEqual(
      expect.arrayContaining([
        { name: 'type', parameterType: { type: 'STRING' }, parameterValue: { value: 'TRANSFER' } },
        { name: 'decision', parameterType: { type: 'STRING' }, parameterValue: { value: '' } },
        // the client sends INT64 values as JSON numbers
        { name: 'limit', parameterType: { type: 'INT64' }, parameterValue: { value: 5 } },
      ]),
    );
    expect(body.query).toContain(`\`${PROJECT}.${DATASET}.scored\``);
    expect(body.query).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY txId');
    expect(body.query).toContain('LIMIT @limit');
    expect(body.query).not.toContain('$');
  });
});
