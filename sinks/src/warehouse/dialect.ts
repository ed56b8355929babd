/**
 * The named questions are written once in a small SQL template language that both backends
 * accept after rendering:
 *   {scored} {labels} {model_versions}   table references (BigQuery: deduplicated views, below)
 *   @name                                 a bound parameter (DuckDB: $name)
 *   {ts(@p)}                              epoch-millis parameter -> TIMESTAMP
 *   {ms(col)}                             TIMESTAMP column -> epoch millis (BIGINT / INT64)
 *   {hourMs(col)}                         a TIMESTAMP truncated to the hour, as epoch millis
 *   {q(col, 0.5)}                         a quantile of col (approximate on BigQuery)
 * Everything else is the common subset of DuckDB and BigQuery standard SQL.
 */
export interface Dialect {
  name: 'duckdb' | 'bigquery';
  table(name: string): string;
  param(name: string): string;
  ts(expr: string): string;
  ms(expr: string): string;
  hourMs(expr: string): string;
  quantile(expr: string, q: number): string;
}

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  table: (name) => name,
  param: (name) => `$${name}`,
  ts: (e) => `epoch_ms(CAST(${e} AS BIGINT))`,
  ms: (e) => `epoch_ms(${e})`,
  hourMs: (e) => `epoch_ms(date_trunc('hour', ${e}))`,
  quantile: (e, q) => `quantile_cont(${e}, ${q})`,
};

/**
 * BigQuery streaming inserts append (insertId de-duplication is best effort), so every table
 * is read through a view keeping the latest row per key: the warehouse is exactly-once when
 * read, whatever the stream delivered twice.
 */
export function bigqueryDialect(project: string, dataset: string): Dialect {
  const keys: Record<string, { key: string; order: string }> = {
    scored: { key: 'txId', order: 'scoredAt DESC, kafkaOffset DESC' },
    labels: { key: 'txId', order: 'labeledAt DESC' },
    model_versions: { key: 'version', order: 'createdAt DESC' },
  };
  return {
    name: 'bigquery',
    table: (name) => {
      const k = keys[name];
      const ref = `\`${project}.${dataset}.${name}\``;
      return k
        ? `(SELECT * FROM ${ref} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY ${k.key} ORDER BY ${k.order}) = 1)`
        : ref;
    },
    param: (name) => `@${name}`,
    ts: (e) => `TIMESTAMP_MILLIS(${e})`,
    ms: (e) => `UNIX_MILLIS(${e})`,
    hourMs: (e) => `UNIX_MILLIS(TIMESTAMP_TRUNC(${e}, HOUR))`,
    quantile: (e, q) => `APPROX_QUANTILES(${e}, 100)[OFFSET(${Math.round(q * 100)})]`,
  };
}

export function renderSql(template: string, d: Dialect): string {
  return template
    .replace(/\{(scored|labels|model_versions)\}/g, (_m, t: string) => d.table(t))
    .replace(/\{ts\(([^)]+)\)\}/g, (_m, e: string) => d.ts(e))
    .replace(/\{ms\(([^)]+)\)\}/g, (_m, e: string) => d.ms(e))
    .replace(/\{hourMs\(([^)]+)\)\}/g, (_m, e: string) => d.hourMs(e))
    .replace(/\{q\(([^,]+),\s*([0-9.]+)\)\}/g, (_m, e: string, q: string) => d.quantile(e, Number(q)))
    .replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_m, p: string) => d.param(p));
}
