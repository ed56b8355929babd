import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from '@fraud/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { sinkGroupId, startSink, type RunningSink } from '../src/service.ts';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { scoredRecord } from './fixtures.ts';
import { caughtUp, pipelineSlice, type PipelineSlice } from './helpers.ts';

/** Records produced per round while the warehouse is slow; rounds of production. */
const ROUND = 400;
const ROUNDS = 5;
/** Produced after the slow sink stopped, before the normal one starts (scoring never paused). */
const TAIL = 600;
const N = ROUND * ROUNDS + TAIL;

/** Records of `topic` not yet committed by `groupId` (sum over partitions). */
async function lagOf(admin: Admin, groupId: string, topic: string): Promise<{ lag: number; committed: number }> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  let lag = 0;
  let committed = 0;
  for (const e of ends) {
    const c = Number(offsets?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1');
    const done = c < 0 ? Number(e.low) : c;
    committed += done;
    lag += Number(e.high) - done;
  }
  return { lag, committed };
}

describe('slow warehouse (WAREHOUSE_WRITE_DELAY_MS drill) on the real broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-slow-wh-'));
  const path = join(dir, 'warehouse.duckdb');
  let slice: PipelineSlice;
  let sink: RunningSink | undefined;

  beforeAll(async () => {
    slice = await pipelineSlice('slowwh');
  });
  afterAll(async () => {
    await sink?.stop();
    await slice.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'lets lag grow while records keep arriving, loses nothing, and catches up exactly once the delay is gone',
    { timeout: 240_000 },
    async () => {
      const logger = createLogger('slow-wh-test', 'warn');
      const recs = Array.from({ length: N }, (_, i) => scoredRecord(slice.prefix, i));
      // 20 rows per write and 1 s before each: about 20 rows/s, far below what is produced (one
      // 400-record round takes the slow sink ~20 s, so lag grows even if sending a round is slow).
      const slowEnv = slice.env({ WAREHOUSE_PATH: path, WAREHOUSE_BATCH_ROWS: '20', WAREHOUSE_WRITE_DELAY_MS: '1000' });
      expect(slowEnv.WAREHOUSE_WRITE_DELAY_MS).toBe(1000);
      const group = sinkGroupId(slowEnv, 'warehouse');
      sink = await startSink('warehouse', { env: slowEnv, logger, codecs: slice.codecs });

      // Each round: produce a block, then wait until the sink has committed more than before (it is
      // slow, not stuck). Production is paced by the sink's own progress, not by a clock.
      const lags: number[] = [];
      let committedBefore = 0;
      for (let r = 0; r < ROUNDS; r++) {
        await slice.sendScored(recs.slice(r * ROUND, (r + 1) * ROUND));
        let seen = { lag: 0, committed: 0 };
        await waitFor(
          async () => (seen = await lagOf(slice.admin, group, slice.topics.scored)).committed > committedBefore,
          { timeoutMs: 60_000, intervalMs: 200, what: `the slow sink to commit past ${committedBefore} (round ${r})` },
        );
        committedBefore = seen.committed;
        lags.push(seen.lag);
      }
      // The lag grows round after round while the sink keeps committing.
      for (let r = 1; r < lags.length; r++)
        expect(lags[r], `lag after round ${r} (${lags.join(', ')})`).toBeGreaterThan(lags[r - 1]!);
      expect(lags.at(-1)!).toBeGreaterThan(ROUND);
      expect(committedBefore).toBeGreaterThan(0);
      expect(committedBefore).toBeLessThan(ROUND * ROUNDS);

      // The delay is what made it slow: every chunk (decode, write, commit) took at least the
      // injected second, so none landed in the histogram's buckets below it.
      const metrics = await (await fetch(`${sink.url}/metrics`)).text();
      const series = (name: string, ...labels: string[]) => {
        const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
        return Number(line?.split(' ').at(-1) ?? 'NaN');
      };
      expect(series('fraud_sink_batch_seconds_count', 'sink="warehouse"')).toBeGreaterThan(0);
      expect(series('fraud_sink_batch_seconds_bucket', 'sink="warehouse"', 'le="0.5"')).toBe(0);

      await sink.stop(); // the drill ends: restart without the delay
      sink = undefined;
      await slice.sendScored(recs.slice(ROUND * ROUNDS)); // scoring never stopped
      const fastEnv = slice.env({ WAREHOUSE_PATH: path, WAREHOUSE_BATCH_ROWS: '2000' });
      expect(fastEnv.WAREHOUSE_WRITE_DELAY_MS).toBe(0);
      sink = await startSink('warehouse', { env: fastEnv, logger, codecs: slice.codecs });
      await waitFor(() => caughtUp(slice.admin, group, slice.topics.scored), {
        timeoutMs: 120_000,
        intervalMs: 250,
        what: `the warehouse group to catch up on ${N} records`,
      });
      expect((await lagOf(slice.admin, group, slice.topics.scored)).lag).toBe(0);

      await sink.stop(); // closes DuckDB so the file can be opened here
      sink = undefined;
      const store = await createDuckDbStore({ path });
      try {
        expect(await store.query('SELECT COUNT(*) AS n, COUNT(DISTINCT txId) AS d FROM scored', {})).toEqual([
          { n: N, d: N },
        ]);
        const [edges] = await store.query(
          'SELECT MIN(txId) AS first, MAX(txId) AS last FROM scored WHERE txId IN ($a, $b)',
          { a: recs[0]!.transaction.txId, b: recs[N - 1]!.transaction.txId },
        );
        expect(edges).toEqual({ first: recs[0]!.transaction.txId, last: recs[N - 1]!.transaction.txId });
      } finally {
        await store.close();
      }
    },
  );
});
