import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { createSerialQueue, inTransaction, openDuckDbFile } from '@fraud/common/duckdb';

export type Row = Record<string, unknown>;
export type Params = DuckDBValue[];

/**
 * A thin DuckDB adapter: one connection, rows as plain objects with BIGINTs turned into numbers
 * (epoch millis and counts fit in 2^53). Statements run one at a time (a promise chain), so a
 * transaction is never interleaved with another caller's statements. Inside `transaction`, use
 * only the `tx` handle given to the callback (the outer one would wait for the transaction).
 */
export interface Db {
  run(sql: string, params?: Params): Promise<number>;
  all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  transaction<T>(fn: (tx: Pick<Db, 'run' | 'all'>) => Promise<T>): Promise<T>;
  connection(): DuckDBConnection;
  close(): void;
}

export async function openDb(path: string): Promise<Db> {
  const instance = await openDuckDbFile(path, {
    locked:
      `cannot open ${path}: another process (the retrainer service?) holds it. ` +
      "Use the service's API (RETRAINER_URL) or stop it first.",
    failed: `cannot open DuckDB file ${path}`,
  });
  const conn = await instance.connect();
  const serial = createSerialQueue();
  const rawRun = async (sql: string, params?: Params): Promise<number> => {
    const res = await conn.run(sql, params);
    return Number(res.rowsChanged);
  };
  const rawAll = async <T extends Row>(sql: string, params?: Params): Promise<T[]> => {
    const reader = await conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  };
  return {
    run: (sql, params) => serial(() => rawRun(sql, params)),
    all: <T extends Row>(sql: string, params?: Params) => serial(() => rawAll<T>(sql, params)),
    transaction: (fn) => serial(() => inTransaction(conn, () => fn({ run: rawRun, all: rawAll }))),
    connection: () => conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

function plain(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
  return out;
}

export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return 0;
  return Number(v);
}
