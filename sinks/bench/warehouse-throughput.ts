/**
 * Warehouse sink throughput on the real broker: produces N scored records to fresh topics,
 * then starts the warehouse sink (DuckDB in a temp dir) and measures rows/s until all N rows
 * are in the table, for a few batch sizes. Also measures the store alone (no Kafka).
 *   npx tsx sinks/bench/warehouse-throughput.ts [N=100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, waitFor } from '@fraud/common';
import { startSink } from '../src/service.ts';
import { SCORED_TABLE } from '../src/warehouse/columns.ts';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { scoredRow } from '../src/warehouse/rows.ts';
import { scoredRecord } from '../test/fixtures.ts';
import { pipelineSlice } from '../test/helpers.ts';

const N = Number(process.argv[2] ?? 100_000);

async function storeOnly(batch: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = await createDuckDbStore({ path: join(dir, 'w.duckdb') });
  await store.init();
  const rows = Array.from({ length: N }, (_, i) => scoredRow(scoredRecord('b', i), { partition: 0, offset: i }));
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += batch) await store.upsert(SCORED_TABLE, rows.slice(i, i + batch));
  const rate = N / ((performance.now() - t0) / 1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function endToEnd(batch: number): Promise<number> {
  const slice = await pipelineSlice('bench', 6);
  const dir = mkdtempSync(join(tmpdir(), 'bench-wh-'));
  try {
    await slice.sendScored(Array.from({ length: N }, (_, i) => scoredRecord(slice.prefix, i)));
    const env = slice.env({ WAREHOUSE_PATH: join(dir, 'w.duckdb'), WAREHOUSE_BATCH_ROWS: String(batch) });
    const t0 = performance.now();
    const sink = await startSink('warehouse', { env, logger: createLogger('bench', 'warn'), codecs: slice.codecs });
    await waitFor(
      async () => {
        const body = (await (await fetch(`${sink.url}/api/questions/decision-counts`)).json()) as {
          rows: { transactions: number }[];
        };
        return body.rows.reduce((a, r) => a + r.transactions, 0) === N;
      },
      { timeoutMs: 600_000, intervalMs: 100, what: `${N} rows` },
    );
    const rate = N / ((performance.now() - t0) / 1000);
    await sink.stop();
    return rate;
  } finally {
    await slice.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const batch of [1000, 5000])
  console.log(`store only   batch ${batch}: ${Math.round(await storeOnly(batch))} rows/s`);
for (const batch of [1000, 5000])
  console.log(
    `kafka -> duckdb batch ${batch}: ${Math.round(await endToEnd(batch))} rows/s (N=${N}, includes group join)`,
  );
process.exit(0);
