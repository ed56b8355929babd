import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { FraudError } from '@fraud/common';
import { createSerialQueue, inTransaction, openDuckDbFile } from '@fraud/common/duckdb';
import { MIGRATIONS } from './migrations.ts';

/** Plain JSON-able row values as the console reads them (BIGINT columns are read as numbers). */
export type Row = Record<string, string | number | boolean | null>;
export type Params = Record<string, DuckDBValue>;

/**
 * The console's own DuckDB file (users, sessions, review cases, audit, model versions). DuckDB
 * allows one writer process per file, so this handle is owned by one process: the console server,
 * or the CLI while the server is stopped. Queries run one at a time on one connection; DuckDB
 * serialises writes anyway and the console's write rate is human-scale.
 */
export interface Queries {
  all(sql: string, params?: Params): Promise<Row[]>;
  one(sql: string, params?: Params): Promise<Row | undefined>;
  run(sql: string, params?: Params): Promise<void>;
}
export interface Database extends Queries {
  /** Runs fn inside BEGIN/COMMIT with exclusive use of the connection; rolls back on error. */
  transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T>;
  close(): void;
}

export async function openDatabase(path: string): Promise<Database> {
  const instance = await openDuckDbFile(path, {
    locked:
      `the console database ${path} is in use by another process ` +
      '(is `fraud web serve` running?); stop it and try again',
    failed: `cannot open the console database ${path}`,
    retriableWhenLocked: true,
  });
  const conn = await instance.connect();
  const db = wrap(instance, conn);
  await migrate(db);
  return db;
}

function wrap(instance: DuckDBInstance, conn: DuckDBConnection): Database {
  // One connection, one statement at a time, so transactions are not interleaved.
  const serial = createSerialQueue();
  const all = async (sql: string, params?: Params): Promise<Row[]> => {
    const reader = await conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map(toRow);
  };
  const direct: Queries = {
    all,
    one: async (sql, params) => (await all(sql, params))[0],
    run: async (sql, params) => void (await conn.run(sql, params)),
  };
  return {
    all: (sql, params) => serial(() => all(sql, params)),
    one: (sql, params) => serial(async () => (await all(sql, params))[0]),
    run: (sql, params) => serial(async () => void (await conn.run(sql, params))),
    transaction: (fn) => serial(() => inTransaction(conn, () => fn(direct))),
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

function toRow(raw: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'bigint') out[k] = Number(v);
    else if (v instanceof Date) out[k] = v.getTime();
    else if (v === undefined || v === null) out[k] = null;
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else out[k] = JSON.stringify(v);
  }
  return out;
}

async function migrate(db: Database): Promise<void> {
  await db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = await db.one('SELECT max(version) AS v FROM schema_version');
  const current = typeof row?.v === 'number' ? row.v : 0;
  for (const [i, sql] of MIGRATIONS.entries()) {
    const version = i + 1;
    if (version <= current) continue;
    await db.transaction(async (tx) => {
      for (const stmt of sql
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean))
        await tx.run(stmt);
      await tx.run('INSERT INTO schema_version VALUES ($v)', { v: version });
    });
  }
}

/** Row field accessors that fail loudly when the schema and the code disagree. */
export function str(row: Row, key: string): string {
  const v = row[key];
  if (typeof v !== 'string') throw new FraudError('INTERNAL', `column ${key} is not a string`);
  return v;
}
export function optStr(row: Row, key: string): string | null {
  const v = row[key];
  return typeof v === 'string' ? v : null;
}
export function num(row: Row, key: string): number {
  const v = row[key];
  if (typeof v !== 'number') throw new FraudError('INTERNAL', `column ${key} is not a number`);
  return v;
}
export function optNum(row: Row, key: string): number | null {
  const v = row[key];
  return typeof v === 'number' ? v : null;
}
