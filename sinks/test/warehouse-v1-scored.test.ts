import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { createV1ScoredEncoder } from '@fraud/schemas/testing';
import { startSink, type RunningSink } from '../src/service.ts';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { scoredRecord } from './fixtures.ts';
import { REGISTRY_URL, pipelineSlice, type PipelineSlice } from './helpers.ts';

const N = 20;

/**
 * Scored records written before Transaction v2 (their writer schema has Transaction v1 inlined,
 * registered under its own id) still on `scored` when the v2 sink starts: the sink reads them
 * through the registry (Avro resolution) and stores them with the new columns NULL.
 */
describe('warehouse sink reads scored records written with Transaction v1 (real broker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-v1-'));
  const path = join(dir, 'warehouse.duckdb');
  let slice: PipelineSlice;
  let sink: RunningSink | undefined;

  beforeAll(async () => {
    slice = await pipelineSlice('whv1');
  });
  afterAll(async () => {
    await sink?.stop();
    await slice.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every v1 record with its balances and the card columns NULL', async () => {
    const encodeV1 = await createV1ScoredEncoder(REGISTRY_URL, `${uniqueName('scored-v1')}-value`);
    const recs = Array.from({ length: N }, (_, i) => scoredRecord(slice.prefix, i));
    const v1Records = recs.map((r) => ({ ...r, transaction: { ...r.transaction, type: 'TRANSFER' as const } }));
    await slice.sendRaw(slice.topics.scored, v1Records.map(encodeV1));

    const env = slice.env({ WAREHOUSE_PATH: path });
    sink = await startSink('warehouse', { env, logger: createLogger('wh-v1-test', 'warn'), codecs: slice.codecs });
    const api = sink.url;
    await waitFor(
      async () => {
        const res = await fetch(`${api}/api/questions/decision-counts`);
        const body = (await res.json()) as { rows: { transactions: number }[] };
        return body.rows.reduce((a, r) => a + r.transactions, 0) === N;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${N} v1 rows in the warehouse` },
    );
    await sink.stop();
    sink = undefined;

    const store = await createDuckDbStore({ path });
    try {
      const rows = await store.query(
        'SELECT "txId", "type", "originBalanceBefore", "destBalanceBefore", "merchantId", "country", "typeName" ' +
          'FROM scored ORDER BY "txId"',
        {},
      );
      const expected = recs.map((r) => ({
        txId: r.transaction.txId,
        type: 'TRANSFER',
        originBalanceBefore: r.transaction.originBalanceBefore,
        destBalanceBefore: r.transaction.destBalanceBefore,
        merchantId: null,
        country: null,
        typeName: null,
      }));
      expect(rows).toEqual(expected.sort((a, b) => (a.txId < b.txId ? -1 : 1)));
    } finally {
      await store.close();
    }
  });
});
