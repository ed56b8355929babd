import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { sampleModelUpdate } from '@fraud/schemas/testing';
import { DLQ_HEADERS } from '@fraud/kafka';
import { sinkGroupId, startSink, type RunningSink } from '../src/service.ts';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { labelRecord, scoredRecord } from './fixtures.ts';
import { caughtUp, pipelineSlice, readDlq, type PipelineSlice } from './helpers.ts';

const N = 3000;
const LABELS = 300;

describe('warehouse sink on the real broker (DuckDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-wh-'));
  const path = join(dir, 'warehouse.duckdb');
  let slice: PipelineSlice;
  let sink: RunningSink | undefined;

  beforeAll(async () => {
    slice = await pipelineSlice('wh');
  });
  afterAll(async () => {
    await sink?.stop();
    await slice.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores exactly N scored rows, the labels and model versions, dead-letters bad bytes, commits all', async () => {
    const env = slice.env({ WAREHOUSE_PATH: path, WAREHOUSE_BATCH_ROWS: '500' });
    const recs = Array.from({ length: N }, (_, i) => scoredRecord(slice.prefix, i));
    await slice.sendScored(recs.slice(0, N / 2));
    await slice.sendRaw(slice.topics.scored, [
      Buffer.from('not avro at all'),
      Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2]),
    ]);
    await slice.sendScored(recs.slice(N / 2));
    // the same records again (an upstream replay): upserts, not new rows
    await slice.sendScored(recs.slice(0, 100));
    await slice.sendLabels(Array.from({ length: LABELS }, (_, i) => labelRecord(slice.prefix, i, i % 10 === 0)));
    const mu = sampleModelUpdate({
      version: `${slice.prefix}m-1`,
      createdAt: Date.now(),
      metadataJson: '{"auprc":0.7}',
    });
    await slice.producer.send({
      topic: slice.topics.modelUpdates,
      messages: [{ key: 'fraud', value: slice.codecs.modelUpdate.encode(mu) }],
    });

    sink = await startSink('warehouse', { env, logger: createLogger('wh-test', 'warn'), codecs: slice.codecs });
    const api = sink.url;
    const count = async () => {
      const res = await fetch(`${api}/api/questions/decision-counts`);
      const body = (await res.json()) as { rows: { transactions: number }[] };
      return body.rows.reduce((a, r) => a + r.transactions, 0);
    };
    await waitFor(async () => (await count()) === N, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `${N} rows in the warehouse`,
    });
    const group = sinkGroupId(env, 'warehouse');
    await waitFor(
      async () =>
        (await caughtUp(slice.admin, group, slice.topics.scored)) &&
        (await caughtUp(slice.admin, group, slice.topics.labels)),
      { timeoutMs: 30_000, intervalMs: 200, what: 'warehouse offsets committed to the end' },
    );

    const health = await fetch(`${api}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`fraud_sink_written_total\\{sink="warehouse",table="scored",service="sink-warehouse"\\} ${N + 100}`),
    );

    const dlq = await readDlq(slice.kafka, slice.topics.dlq, 2);
    expect(dlq.map((m) => m.headers[DLQ_HEADERS.topic])).toEqual([slice.topics.scored, slice.topics.scored]);
    expect(dlq.map((m) => m.headers[DLQ_HEADERS.reason]).sort()).toEqual([
      'DECODE_UNKNOWN_SCHEMA',
      'DECODE_WRONG_MAGIC',
    ]);
    expect(
      dlq.every(
        (m) =>
          m.headers[DLQ_HEADERS.service] === 'sink-warehouse' &&
          /^\d+$/.test(m.headers[DLQ_HEADERS.offset] ?? '') &&
          (m.headers[DLQ_HEADERS.message] ?? '').length > 0 &&
          /^\d+$/.test(m.headers[DLQ_HEADERS.timestamp] ?? ''),
      ),
    ).toBe(true);
    expect(dlq.map((m) => m.value?.toString('latin1')).sort()).toEqual(
      [Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2]).toString('latin1'), 'not avro at all'].sort(),
    );

    await sink.stop(); // closes DuckDB: the file can now be opened here
    sink = undefined;
    const store = await createDuckDbStore({ path });
    try {
      expect(await store.query('SELECT COUNT(*) AS n, COUNT(DISTINCT txId) AS d FROM scored', {})).toEqual([
        { n: N, d: N },
      ]);
      expect(
        await store.query('SELECT COUNT(*) AS n, SUM(CASE WHEN isFraud THEN 1 ELSE 0 END) AS f FROM labels', {}),
      ).toEqual([{ n: LABELS, f: LABELS / 10 }]);
      expect(await store.query('SELECT version, role FROM model_versions', {})).toEqual([
        { version: mu.version, role: 'CHAMPION' },
      ]);
      const [row] = await store.query(
        'SELECT txId, amount, decision, features, reasons, epoch_ms(eventTime) AS t FROM scored WHERE txId = $id',
        { id: recs[7]!.transaction.txId },
      );
      expect(row).toEqual({
        txId: recs[7]!.transaction.txId,
        amount: recs[7]!.transaction.amount,
        decision: recs[7]!.decision,
        features: recs[7]!.features.map(Math.fround),
        reasons: recs[7]!.reasons,
        t: recs[7]!.transaction.eventTime,
      });
    } finally {
      await store.close();
    }
  });
});
