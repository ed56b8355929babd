import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { FraudError } from '@fraud/common';
import { PAYSIM_COLUMNS, PAYSIM_TYPES, type TransactionType } from '@fraud/schemas';

/** Kaggle PaySim columns, in order (the format's contract in @fraud/schemas). */
export { PAYSIM_COLUMNS };

/**
 * One valid PaySim row. Money is in integer minor units. The post-transaction balances
 * (newbalanceOrig, newbalanceDest) are validated but deliberately not carried: they leak the
 * label and must never reach a feature.
 */
export interface PaysimRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  /** Simulated hour (PaySim step). */
  step: number;
  type: TransactionType;
  amount: number;
  nameOrig: string;
  oldbalanceOrg: number;
  nameDest: string;
  oldbalanceDest: number;
  isFraud: boolean;
  isFlaggedFraud: boolean;
}

export interface CsvReject {
  line: number;
  reason: string;
  /** The raw line (bytes that are not valid UTF-8 shown as \xNN). */
  raw: string;
}

export type CsvRecord = { ok: true; row: PaysimRow } | ({ ok: false } & CsvReject);

export interface ParseOptions {
  /** Highest byte chunk size read at once. */
  highWaterMark?: number;
  signal?: AbortSignal;
}

const TYPES: ReadonlySet<string> = new Set(PAYSIM_TYPES);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_ASCII = /[\x80-\xff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Streams a Kaggle-format PaySim CSV in constant memory, yielding batches of records (one
 * batch per chunk read). Every line after the header yields exactly one record, valid or
 * rejected with its reason; only an empty last line is not a row. A missing or foreign header
 * throws CSV_INVALID before any row.
 */
export async function* parsePaysimCsvBatches(
  source: string | Readable,
  options: ParseOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const stream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: options.highWaterMark ?? 1 << 20 }) : source;
  let carry = '';
  let line = 0;
  let headerSeen = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      if (options.signal?.aborted) return;
      const text = carry + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      const batch: CsvRecord[] = [];
      for (const raw of lines) {
        line++;
        if (!headerSeen) {
          checkHeader(raw);
          headerSeen = true;
          continue;
        }
        batch.push(parseLine(raw, line));
      }
      if (batch.length) yield batch;
    }
  } finally {
    if (typeof source === 'string') (stream as Readable).destroy();
  }
  if (carry.length > 0 && carry !== '\r') {
    line++;
    if (!headerSeen) {
      checkHeader(carry);
      return;
    }
    yield [parseLine(carry, line)];
  } else if (!headerSeen) {
    throw new FraudError('CSV_INVALID', `the CSV is empty: expected the header line "${PAYSIM_COLUMNS.join(',')}"`);
  }
}

/** The same records one by one (convenient for tools; the batched form is faster). */
export async function* parsePaysimCsv(
  source: string | Readable,
  options: ParseOptions = {},
): AsyncGenerator<CsvRecord> {
  for await (const batch of parsePaysimCsvBatches(source, options)) yield* batch;
}

/**
 * Only the valid rows, with isFraud and step, for offline training and backtests. Rejects go
 * to `onReject` (never silently dropped); without it, the first reject throws CSV_INVALID.
 */
export async function* paysimRows(
  source: string | Readable,
  onReject?: (r: CsvReject) => void,
): AsyncGenerator<PaysimRow> {
  for await (const batch of parsePaysimCsvBatches(source)) {
    for (const rec of batch) {
      if (rec.ok) yield rec.row;
      else if (onReject) onReject(rec);
      else throw new FraudError('CSV_INVALID', `line ${rec.line}: ${rec.reason}`, { details: { line: rec.line } });
    }
  }
}

function checkHeader(rawLatin1: string): void {
  let h = stripCr(rawLatin1);
  if (h.startsWith('\xef\xbb\xbf')) h = h.slice(3);
  const names = h.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
  if (names.length === PAYSIM_COLUMNS.length && names.every((n, i) => n === PAYSIM_COLUMNS[i])) return;
  const sep = names.length === 1 ? guessSeparator(h) : null;
  const hint = sep ? ` (it looks separated by ${JSON.stringify(sep)}: PaySim files use commas)` : '';
  throw new FraudError(
    'CSV_INVALID',
    `not a Kaggle PaySim CSV: the header is ${JSON.stringify(h.slice(0, 200))}${hint}; expected ` +
      `"${PAYSIM_COLUMNS.join(',')}"`,
  );
}

function guessSeparator(s: string): string | null {
  for (const sep of [';', '\t', '|']) if (s.split(sep).length === PAYSIM_COLUMNS.length) return sep;
  return null;
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

class RowError extends Error {}

export function parseLine(rawLatin1: string, line: number): CsvRecord {
  let text = stripCr(rawLatin1);
  if (NON_ASCII.test(text)) {
    try {
      text = utf8.decode(Buffer.from(text, 'latin1'));
    } catch {
      return { ok: false, line, reason: 'invalid UTF-8', raw: escapeBytes(text) };
    }
  }
  if (text.trim() === '') return { ok: false, line, reason: 'empty line', raw: text };
  const f = text.split(',');
  if (f.length !== PAYSIM_COLUMNS.length) {
    const sep = f.length === 1 ? guessSeparator(text) : null;
    const reason = sep
      ? `wrong separator ${JSON.stringify(sep)} (expected ",")`
      : f.length < PAYSIM_COLUMNS.length
        ? `missing columns: expected ${PAYSIM_COLUMNS.length}, got ${f.length}`
        : `too many columns: expected ${PAYSIM_COLUMNS.length}, got ${f.length}`;
    return { ok: false, line, reason, raw: text };
  }
  try {
    const type = unquote(f[1]!);
    if (!TYPES.has(type))
      throw new RowError(
        `type: unknown transaction type ${JSON.stringify(type)} (expected one of ${PAYSIM_TYPES.join(', ')})`,
      );
    const step = num(f[0]!, 'step');
    if (!Number.isInteger(step) || step < 0)
      throw new RowError(`step: ${JSON.stringify(f[0])} is not a non-negative integer`);
    const amount = money(f[2]!, 'amount');
    if (amount < 0) throw new RowError(`amount: ${JSON.stringify(f[2])} is negative`);
    const row: PaysimRow = {
      line,
      step,
      type: type as TransactionType,
      amount,
      nameOrig: name(f[3]!, 'nameOrig'),
      oldbalanceOrg: money(f[4]!, 'oldbalanceOrg'),
      nameDest: name(f[6]!, 'nameDest'),
      oldbalanceDest: money(f[7]!, 'oldbalanceDest'),
      isFraud: flag(f[9]!, 'isFraud'),
      isFlaggedFraud: flag(f[10]!, 'isFlaggedFraud'),
    };
    money(f[5]!, 'newbalanceOrig');
    money(f[8]!, 'newbalanceDest');
    return { ok: true, row };
  } catch (err: unknown) {
    if (err instanceof RowError) return { ok: false, line, reason: err.message, raw: text };
    throw err;
  }
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function num(s: string, field: string): number {
  const t = unquote(s);
  if (t === '') throw new RowError(`${field}: empty`);
  if (!NUMBER.test(t)) throw new RowError(`${field}: ${JSON.stringify(t)} is not a number`);
  const v = Number(t);
  if (!Number.isFinite(v)) throw new RowError(`${field}: ${JSON.stringify(t)} is out of range`);
  return v;
}

/** Major units with up to 2 decimals (1.0E7 accepted) to integer minor units. */
function money(s: string, field: string): number {
  const minor = Math.round(num(s, field) * 100);
  if (!Number.isSafeInteger(minor)) throw new RowError(`${field}: ${JSON.stringify(s.trim())} is too large`);
  return minor;
}

function flag(s: string, field: string): boolean {
  const v = num(s, field);
  if (v === 0) return false;
  if (v === 1) return true;
  throw new RowError(`${field}: ${JSON.stringify(s.trim())} is not 0 or 1`);
}

function name(s: string, field: string): string {
  const t = unquote(s);
  if (t === '') throw new RowError(`${field}: empty account name`);
  return t;
}

function escapeBytes(latin1: string): string {
  return latin1.replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
