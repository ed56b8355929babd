import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { FraudError } from '@fraud/common';
import { openDuckDbFile } from '@fraud/common/duckdb';
import type { Column, ColumnKind, Row, TableDef } from './columns.ts';
import { TABLES } from './columns.ts';
import { duckdbDialect } from './dialect.ts';
import type { QueryParams, WarehouseStore } from './store.ts';
import { normalizeRows } from './normalize.ts';
import { migrateDuckDbTable } from './duckdb-migrate.ts';

const TYPE: Record<ColumnKind, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
  'float[]': 'FLOAT[]',
  'string[]': 'VARCHAR[]',
};
/**
 * Staging columns take what the appender writes fastest: timestamps as epoch-millis BIGINT and
 * lists as JSON text (appendList is ~10x slower than appendVarchar), converted in the SELECT.
 */
const STAGE_TYPE: Record<ColumnKind, string> = {
  ...TYPE,
  timestamp: 'BIGINT',
  json: 'VARCHAR',
  'float[]': 'VARCHAR',
  'string[]': 'VARCHAR',
};

function fromStage(c: Column): string {
  if (c.kind === 'timestamp') return `epoch_ms("${c.name}")`;
  if (c.kind === 'float[]' || c.kind === 'string[]') return `CAST(CAST("${c.name}" AS JSON) AS ${TYPE[c.kind]})`;
  return `"${c.name}"`;
}

export function duckdbDdl(t: TableDef): string {
  const cols = t.columns.map(
    (c) => `"${c.name}" ${TYPE[c.kind]}${c.nullable ? '' : ' NOT NULL'}${c.name === t.key ? ' PRIMARY KEY' : ''}`,
  );
  return `CREATE TABLE IF NOT EXISTS ${t.name} (${cols.join(', ')})`;
}

/**
 * DuckDB warehouse (one file; DuckDB lets one process open it read-write, so this process also
 * answers the read API). Writes: appender into a temp staging table, then one
 * INSERT OR REPLACE ... SELECT per batch inside a transaction (the commit is the durability
 * point: DuckDB syncs its WAL on commit). Reads use a second connection (MVCC snapshot).
 */
export async function createDuckDbStore(opts: { path: string }): Promise<WarehouseStore> {
  const instance = await openDuckDbFile(opts.path, {
    locked:
      `cannot open DuckDB file ${opts.path}: another process (a second warehouse sink?) holds it. ` +
      'Stop it or set WAREHOUSE_PATH',
    failed: `cannot open DuckDB file ${opts.path}`,
  });
  const writer = await instance.connect();
  const reader = await instance.connect();
  let closed = false;

  return {
    dialect: duckdbDialect,
    async init() {
      for (const t of TABLES) {
        await writer.run(duckdbDdl(t));
        await migrateDuckDbTable(writer, t, (c) => TYPE[c.kind]);
        const stage = t.columns.map((c) => `"${c.name}" ${STAGE_TYPE[c.kind]}`).join(', ');
        await writer.run(`CREATE TEMP TABLE IF NOT EXISTS stage_${t.name} (${stage})`);
      }
    },
    async upsert(t, rows) {
      if (!rows.length) return [];
      try {
        await writeBatch(writer, t, rows);
      } catch (err: unknown) {
        // No transaction open is fine: the error below is what matters.
        await writer.run('ROLLBACK').catch(() => undefined);
        await writer.run(`DELETE FROM temp.main.stage_${t.name}`);
        throw new FraudError('WAREHOUSE_FAILED', `DuckDB upsert into ${t.name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      return [];
    },
    async query(sql: string, params: QueryParams) {
      const reader_ = await reader.runAndReadAll(sql, params);
      return normalizeRows(reader_.getRowObjectsJS());
    },
    async close() {
      if (closed) return;
      closed = true;
      writer.closeSync();
      reader.closeSync();
      instance.closeSync(); // checkpoints the WAL into the file
    },
  };
}

/** A replayed chunk may hold one key twice (same partition): keep the last, in order. */
function lastPerKey(t: TableDef, rows: Row[]): Row[] {
  const last = new Map<unknown, number>();
  rows.forEach((r, i) => last.set(r[t.key], i));
  return last.size === rows.length ? rows : rows.filter((r, i) => last.get(r[t.key]) === i);
}

async function writeBatch(conn: DuckDBConnection, t: TableDef, all: Row[]): Promise<void> {
  const rows = lastPerKey(t, all);
  const appender = await conn.createAppender(`stage_${t.name}`, 'main', 'temp');
  try {
    for (const row of rows) {
      for (const col of t.columns) appendValue(appender, col, row[col.name] ?? null);
      appender.endRow();
    }
  } finally {
    appender.closeSync(); // flushes into the staging table
  }
  const select = t.columns.map(fromStage).join(', ');
  await conn.run('BEGIN TRANSACTION');
  // Columns named: a migrated table holds its later columns at the end, not in declaration order.
  const names = t.columns.map((c) => `"${c.name}"`).join(', ');
  await conn.run(`INSERT OR REPLACE INTO ${t.name} (${names}) SELECT ${select} FROM temp.main.stage_${t.name}`);
  await conn.run(`DELETE FROM temp.main.stage_${t.name}`);
  await conn.run('COMMIT');
}

function appendValue(a: DuckDBAppender, col: Column, v: Row[string]): void {
  if (v === null) {
    if (!col.nullable) throw new FraudError('RECORD_INVALID', `column ${col.name} is required`);
    a.appendNull();
    return;
  }
  switch (col.kind) {
    case 'string':
    case 'json':
      return a.appendVarchar(String(v));
    case 'int':
      return a.appendInteger(Number(v));
    case 'bigint':
    case 'timestamp':
      return a.appendBigInt(BigInt(Math.trunc(Number(v))));
    case 'double':
      return a.appendDouble(Number(v));
    case 'bool':
      return a.appendBoolean(Boolean(v));
    case 'float[]':
    case 'string[]':
      return a.appendVarchar(JSON.stringify(v));
  }
}
