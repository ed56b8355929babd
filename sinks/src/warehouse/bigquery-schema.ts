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
