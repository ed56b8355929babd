/**
 * Query results as plain JSON for the HTTP API, the same shape from both backends: integers as
 * numbers, timestamps as epoch millis, JSON columns parsed.
 */
const JSON_COLUMNS = new Set(['reasons', 'attributes', 'metadata']);

export function normalizeRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = normalizeValue(k, v);
    return out;
  });
}

function normalizeValue(key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map((x) => normalizeValue('', x));
  if (typeof v === 'string' && JSON_COLUMNS.has(key)) {
    try {
      return JSON.parse(v);
    } catch {
      return v; // not JSON after all: return it as stored
    }
  }
  if (v && typeof v === 'object') {
    // BigQuery wraps timestamps as { value: ISO string } and big numbers as { value: string }.
    const inner = (v as { value?: unknown }).value;
    if (typeof inner === 'string' && Object.keys(v).length === 1) {
      const t = Date.parse(inner);
      if (!Number.isNaN(t) && /T|:/.test(inner)) return t;
      const n = Number(inner);
      return Number.isNaN(n) ? inner : n;
    }
    if (v.constructor === Object)
      return Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, normalizeValue(kk, vv)]));
  }
  return v;
}
