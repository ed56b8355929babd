import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { createDuckDbStore } from '../src/warehouse/duckdb-store.ts';
import { scoredRecord } from './fixtures.ts';
import { freePort, pipelineSlice, REGISTRY_URL, type PipelineSlice } from './helpers.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const WAVE1 = 3000;
const WAVE2 = 7000;
const N = WAVE1 + WAVE2;

describe('warehouse sink survives kill -9 without losing or doubling a row', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-crash-'));
  const path = join(dir, 'warehouse.duckdb');
  let slice: PipelineSlice;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    slice = await pipelineSlice('whcrash');
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await slice.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function spawnSink(port: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'fraud.mjs'), 'sink', 'warehouse'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        TOPIC_PREFIX: slice.prefix,
        SCHEMA_REGISTRY_URL: REGISTRY_URL,
        WAREHOUSE_PATH: path,
        WAREHOUSE_PORT: String(port),
        WAREHOUSE_BATCH_ROWS: '250',
        SINK_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    children.push(child);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`sink exited ${child.exitCode}: ${err}`);
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return res?.ok === true;
      },
      { timeoutMs: 150_000, intervalMs: 100, what: 'warehouse sink child to be healthy' },
    );
    return child;
  }

  const count = async (port: number): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/questions/decision-counts`);
    const body = (await res.json()) as { rows: { transactions: number }[] };
    return body.rows.reduce((a, r) => a + r.transactions, 0);
  };

  it('counts distinct = total = N after SIGKILL mid-run and a restart', { timeout: 400_000 }, async () => {
    const recs = Array.from({ length: N }, (_, i) => scoredRecord(slice.prefix, i));
    const port = await freePort();
    const first = await spawnSink(port);
    await slice.sendScored(recs.slice(0, WAVE1));
    await waitFor(async () => (await count(port)) > 0, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'the sink to start writing',
    });
    // Kill while records are flowing: the second wave starts arriving, then SIGKILL.
    const sending = slice.sendScored(recs.slice(WAVE1));
    const atKill = await count(port);
    first.kill('SIGKILL');
    await new Promise<void>((r) => first.once('exit', () => r()));
    await sending;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N);

    const second = await spawnSink(port);
    let seen = 0;
    await waitFor(async () => (seen = await count(port)) === N, {
      timeoutMs: 240_000,
      intervalMs: 250,
      what: `${N} rows after the restart`,
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message} (last count ${seen})`);
    });
    second.kill('SIGTERM'); // clean stop: finishes the batch, commits, closes DuckDB
    const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
    expect(code).toBe(0);

    const store = await createDuckDbStore({ path });
    try {
      const rows = await store.query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT txId) AS d, COUNT(DISTINCT kafkaPartition || ':' || kafkaOffset) AS o " +
          'FROM scored',
        {},
      );
      expect(rows).toEqual([{ n: N, d: N, o: N }]);
      const missing = await store.query(
        `SELECT COUNT(*) AS m FROM range(${N}) t(i) WHERE '${slice.prefix}-tx-' || i NOT IN (SELECT txId FROM scored)`,
        {},
      );
      expect(missing).toEqual([{ m: 0 }]);
    } finally {
      await store.close();
    }
  });
});
