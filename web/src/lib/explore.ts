/** Column helpers for warehouse answers, whose exact column names the warehouse API decides. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  return rows[0] ? Object.keys(rows[0]) : [];
}

/** The first of `preferred` present in the rows, else the first column of the wanted kind. */
export function pickColumn(rows: readonly Record<string, unknown>[], preferred: readonly string[], kind: 'string' | 'number'): string | null {
  const cols = columnsOf(rows);
  const hit = preferred.find((p) => cols.includes(p));
  if (hit) return hit;
  const first = rows[0];
  return cols.find((c) => typeof first?.[c] === kind) ?? null;
}
