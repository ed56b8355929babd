/**
 * Cell-level CSV helpers shared by every mapped layout. A cell may be quoted with double quotes
 * (RFC 4180: the delimiter may sit inside, "" is a quote) or with single quotes (BankSim writes
 * 'C1093826151'); quotes are removed and surrounding blanks trimmed. Rows never span lines.
 */

/** A row's problem; becomes a reject with the line number. */
export class RowError extends Error {}

/** Splits one line into cells (quotes kept; `cell` removes them). */
export function splitCells(text: string, delimiter: string): string[] {
  if (!text.includes('"')) return text.split(delimiter);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    if (c === delimiter && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The cell's value: trimmed, outer quotes removed ("" inside double quotes is one quote). */
export function cell(raw: string): string {
  const t = raw.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/""/g, '"');
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1);
  return t;
}

export const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(value: string, column: string): number {
  if (value === '') throw new RowError(`${column}: empty`);
  if (!NUMBER.test(value)) throw new RowError(`${column}: ${JSON.stringify(value)} is not a number`);
  const v = Number(value);
  if (!Number.isFinite(v)) throw new RowError(`${column}: ${JSON.stringify(value)} is out of range`);
  return v;
}

/** Money to integer minor units: major units are scaled and rounded (0.29 -> 29, not 28). */
export function parseMoney(value: string, column: string, minorPerMajor: number | null): number {
  const v = parseNumber(value, column);
  const minor = minorPerMajor === null ? v : Math.round(v * minorPerMajor);
  if (minorPerMajor === null && !Number.isInteger(minor))
    throw new RowError(`${column}: ${JSON.stringify(value)} is not a whole number of minor units`);
  if (!Number.isSafeInteger(minor)) throw new RowError(`${column}: ${JSON.stringify(value)} is too large`);
  return minor;
}

/** ISO 8601 date-time; "2018-04-01 00:00:31" (space, no zone) is read as UTC. */
export function parseIsoTime(value: string, column: string): number {
  let s = value.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00';
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  const ymd = /^(\d{4})-(\d{2})-(\d{2})T/.exec(s);
  const t = ymd === null ? NaN : Date.parse(s);
  // Date.parse rolls 2018-04-31 over to May 1st: the calendar date must exist as written.
  const day = ymd === null ? null : new Date(Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3])));
  if (
    Number.isNaN(t) ||
    day === null ||
    day.getUTCDate() !== Number(ymd?.[3]) ||
    day.getUTCMonth() + 1 !== Number(ymd?.[2])
  )
    throw new RowError(`${column}: ${JSON.stringify(value)} is not an ISO date-time`);
  return t;
}
