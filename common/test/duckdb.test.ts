import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSerialQueue, inTransaction, openDuckDbFile } from '../src/duckdb.ts';
import { isFraudError, type FraudError } from '../src/errors.ts';
import { waitFor } from '../src/retry.ts';

const messages = { locked: 'held by another process', failed: 'cannot open' };

describe('DuckDB helpers', () => {
  it('opens a file in a folder it creates', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'duckdb-')), 'nested', 'db.duckdb');
    const instance = await openDuckDbFile(path, messages);
    const conn = await instance.connect();
    const rows = (await conn.runAndReadAll('SELECT 41 + 1 AS v')).getRowObjectsJS();
    expect(rows).toEqual([{ v: 42 }]);
    conn.closeSync();
    instance.closeSync();
  });

  it('fails with WAREHOUSE_FAILED and the cause when the path is not a DuckDB file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duckdb-'));
    let caught: unknown;
    await openDuckDbFile(dir, messages).catch((err: unknown) => (caught = err));
    expect(isFraudError(caught, 'WAREHOUSE_FAILED')).toBe(true);
    expect((caught as Error).message).toMatch(/^cannot open: ./);
  });

  it('names the holder when another process has the file open, retriable when the caller says so', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'duckdb-')), 'held.duckdb');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         await DuckDBInstance.create(${JSON.stringify(path)});
         process.stdout.write('ready\\n');
         setInterval(() => {}, 1000);`,
      ],
      { cwd: dirname(fileURLToPath(import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(async () => out.includes('ready'), {
        timeoutMs: 20_000,
        what: 'the other process to open the file',
      });
      let caught: unknown;
      await openDuckDbFile(path, { ...messages, retriableWhenLocked: true }).catch((err: unknown) => (caught = err));
      expect(isFraudError(caught, 'WAREHOUSE_FAILED')).toBe(true);
      expect((caught as FraudError).message).toBe('held by another process');
      expect((caught as FraudError).retriable).toBe(true);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('runs queued calls one at a time in call order, past a failed one', async () => {
    const serial = createSerialQueue();
    const log: string[] = [];
    const step = (name: string, fail = false) =>
      serial(async () => {
        log.push(`${name} start`);
        await Promise.resolve();
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('commits what the callback wrote, and rolls back when it throws', async () => {
    const instance = await openDuckDbFile(':memory:', messages);
    const conn = await instance.connect();
    await conn.run('CREATE TABLE t (v INTEGER)');
    await inTransaction(conn, () => conn.run('INSERT INTO t VALUES (1)'));
    const failed = inTransaction(conn, async () => {
      await conn.run('INSERT INTO t VALUES (2)');
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    const rows = (await conn.runAndReadAll('SELECT v FROM t ORDER BY v')).getRowObjectsJS();
    expect(rows).toEqual([{ v: 1 }]);
    conn.closeSync();
    instance.closeSync();
  });
});
