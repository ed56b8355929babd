import type { ColumnKind, TableDef } from './columns.ts';

export interface BqField {
  name: string;
  type: string;
  mode: 'REQUIRED' | 'NULLABLE' | 'REPEATED';
}

const BQ_TYPE: Record<ColumnKind, string> = {
  string: 'STRING',
  int: 'INT64',
  bigint: 'INT64',
  double: 'FLOAT64',
  bool: 'BOOL',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
  'float[]': 'FLOAT64',
  'string[]': 'STRING',
};

export function bigQueryFields(t: TableDef): BqField[] {
  return t.columns.map((c) => ({
    name: c.name,
    type: BQ_TYPE[c.kind],
    mode: c.kind.endsWith('[]') ? 'REPEATED' : c.nullable ? 'NULLABLE' : 'REQUIRED',
  }));
}

/**
 * The schema a table created by an earlier version needs (columns.ts): declared columns it lacks
 * are appended as NULLABLE, and REQUIRED columns declared nullable are relaxed, the two changes
 * BigQuery allows on a live table. Null when the table already matches; extra columns are kept.
 */
export function bigQuerySchemaUpdate(existing: readonly BqField[], t: TableDef): BqField[] | null {
  const declared = new Map(bigQueryFields(t).map((f) => [f.name, f]));
  let changed = false;
  const fields = existing.map((f) => {
    const want = declared.get(f.name);
    if (want?.mode !== 'NULLABLE' || f.mode !== 'REQUIRED') return f;
    changed = true;
    return { ...f, mode: 'NULLABLE' as const };
  });
  const have = new Set(existing.map((f) => f.name));
  for (const f of declared.values()) {
    if (have.has(f.name)) continue;
    changed = true;
    fields.push(f.mode === 'REQUIRED' ? { ...f, mode: 'NULLABLE' } : f);
  }
  return changed ? fields : null;
}

/** The tables.insert body: day-partitioned on the event column, clustered for the usual filters. */
export function bigQueryTableResource(t: TableDef) {
  return {
    schema: { fields: bigQueryFields(t) },
    ...(t.partitionBy ? { timePartitioning: { type: 'DAY', field: t.partitionBy } } : {}),
    ...(t.clusterBy ? { clustering: { fields: t.clusterBy } } : {}),
  };
}

/** A row as insertAll wants it: timestamps as RFC 3339 strings, JSON columns as JSON text. */
export function bigQueryJson(t: TableDef, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of t.columns) {
    const v = row[c.name] ?? null;
    if (v === null) continue; // omitted = NULL
    out[c.name] = c.kind === 'timestamp' ? new Date(Number(v)).toISOString() : v;
  }
  return out;
}
