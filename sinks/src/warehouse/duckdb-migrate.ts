import type { DuckDBConnection } from '@duckdb/node-api';
import { FraudError } from '@fraud/common';
import type { Column, TableDef } from './columns.ts';

/**
 * Brings a table created by an earlier version up to its declaration (columns.ts): a declared
 * column the table lacks is added (it must be nullable: old rows have no value for it), and a
 * column declared nullable that the table holds NOT NULL is relaxed. Idempotent; a table that
 * already matches is left alone. Rows are untouched: added columns read NULL in old rows.
 */
export async function migrateDuckDbTable(
  conn: DuckDBConnection,
  t: TableDef,
  sqlType: (c: Column) => string,
): Promise<string[]> {
  const existing = await existingColumns(conn, t.name);
  const statements: string[] = [];
  for (const c of t.columns) {
    const nullable = existing.get(c.name);
    if (nullable === undefined) {
      if (!c.nullable) {
        throw new FraudError(
          'WAREHOUSE_FAILED',
          `table ${t.name} lacks the required column ${c.name}: a column added later must be nullable`,
        );
      }
      statements.push(`ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS "${c.name}" ${sqlType(c)}`);
    } else if (c.nullable === true && !nullable) {
      statements.push(`ALTER TABLE ${t.name} ALTER COLUMN "${c.name}" DROP NOT NULL`);
    }
  }
  for (const sql of statements) await conn.run(sql);
  return statements;
}

/** Column name -> nullable, for a table of the main schema. */
async function existingColumns(conn: DuckDBConnection, table: string): Promise<Map<string, boolean>> {
  const reader = await conn.runAndReadAll(
    "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1",
    [table],
  );
  const rows = reader.getRowObjectsJS() as Array<{ column_name: string; is_nullable: string }>;
  return new Map(rows.map((r) => [r.column_name, r.is_nullable === 'YES']));
}
