import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { createLogger, waitFor } from '@fraud/common';
import { createBigQueryClient } from '../src/bigquery-client.ts';
import { DLQ_HEADERS } from '@fraud/kafka';
import { sinkGroupId, startSink, type RunningSink } from '../src/service.ts';
import { startFakeBigQuery, type FakeBigQuery } from './fake-bigquery.ts';
import { scoredRecord } from './fixtures.ts';
import { caughtUp, pipelineSlice, readDlq, type PipelineSlice } from './helpers.ts';

const PROJECT = 'fraud-e2e-project';
const DATASET = 'fraud_e2e';
const N = 200;

describe('warehouse sink with the BigQuery backend, from the real broker', () => {
  let slice: PipelineSlice;
  let fake: FakeBigQuery;
  let sink: RunningSink | undefined;

  beforeAll(async () => {
    slice = await pipelineSlice('whbq');
    fake = await startFakeBigQuery(PROJECT);
  });
  afterAll(async () => {
    await sink?.stop();
    await fake.close();
    await slice.cleanup();
  });

  it('streams every row once per insertId, retries a 503, and dead-letters the rows BigQuery refuses', async () => {
    const recs = Array.from({ length: N }, (_, i) => scoredRecord(slice.prefix, i));
    const refused = recs[17]!.transaction.txId;
    let unavailable = 1;
    fake.script((r) => {
      if (!r.path.endsWith('/scored/insertAll')) return undefined;
      if (unavailable-- > 0)
        return {
          status: 503,
          body: { error: { code: 503, message: 'Service unavailable', errors: [{ reason: 'backendError' }] } },
        };
      const rows = (r.body as { rows: { insertId: string }[] }).rows;
      const index = rows.findIndex((x) => x.insertId === refused);
      return {
        status: 200,
        body: {
          kind: 'bigquery#tableDataInsertAllResponse',
          ...(index >= 0
            ? {
                insertErrors: [
                  { index, errors: [{ reason: 'invalid', location: 'amount', message: 'Value out of range' }] },
                ],
              }
            : {}),
        },
      };
    });
    await slice.sendScored(recs);

    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'e2e-token', expiry_date: Date.now() + 3_600_000 });
    const env = slice.env({ BIGQUERY_PROJECT: PROJECT, BIGQUERY_DATASET: DATASET });
    sink = await startSink('warehouse', {
      env,
      logger: createLogger('whbq', 'silent'),
      codecs: slice.codecs,
      bigquery: createBigQueryClient({ project: PROJECT, apiEndpoint: fake.url, authClient: auth }),
    });
    await waitFor(() => caughtUp(slice.admin, sinkGroupId(env, 'warehouse'), slice.topics.scored), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the sink to commit every scored record',
    });

    const inserts = fake.requests.filter((r) => r.path.endsWith('/scored/insertAll'));
    const sent = inserts
      .slice(1)
      .flatMap((r) => (r.body as { rows: { insertId: string }[] }).rows.map((x) => x.insertId));
    expect(inserts[0]!.authorization).toBe('Bearer e2e-token');
    expect(new Set(sent).size).toBe(N); // the 503'd request was resent once, no row twice
    expect(sent.length).toBe(N);
    expect(
      fake.requests.some(
        (r) =>
          r.method === 'POST' &&
          r.path.endsWith(`/datasets/${DATASET}/tables`) &&
          (r.body as { tableReference: { tableId: string } }).tableReference.tableId === 'scored',
      ),
    ).toBe(true);

    const [dead] = await readDlq(slice.kafka, slice.topics.dlq, 1);
    expect(dead!.headers[DLQ_HEADERS.reason]).toBe('BIGQUERY_INVALID');
    expect(dead!.headers[DLQ_HEADERS.message]).toContain('Value out of range');
    expect(dead!.headers[DLQ_HEADERS.topic]).toBe(slice.topics.scored);
    const decoded = await slice.codecs.scored.decode(dead!.value!);
    expect(decoded.transaction.txId).toBe(refused);

    const metrics = await (await fetch(`${sink.url}/metrics`)).text();
    expect(metrics).toContain(
      `fraud_sink_written_total{sink="warehouse",table="scored",service="sink-warehouse"} ${N - 1}`,
    );
    expect(metrics).toContain(
      `fraud_sink_dead_lettered_total{sink="warehouse",code="BIGQUERY_INVALID",service="sink-warehouse"} 1`,
    );
  });
});
