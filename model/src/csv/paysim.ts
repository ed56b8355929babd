import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FraudError } from '@fraud/common';
import {
  PAYSIM_COLUMNS,
  PAYSIM_EPOCH_MS,
  PAYSIM_STEP_MS,
  PAYSIM_TYPES,
  type Transaction,
  type TransactionType,
} from '@fraud/schemas';

/**
 * Kaggle PaySim CSV (step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,
 * oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud) to decision-time Transactions.
 * newbalanceOrig/newbalanceDest are checked to be numbers and then DROPPED: they are
 * post-transaction values that leak the label, and nothing downstream may see them.
 * Amounts are major units with decimals ("1.0E7" allowed); they become minor units.
 * The columns and the time base are the format's contract in @fraud/schemas.
 */
export { PAYSIM_COLUMNS, PAYSIM_EPOCH_MS, PAYSIM_STEP_MS };

export function paysimEventTime(step: number, epochMs: number = PAYSIM_EPOCH_MS): number {
  return epochMs + step * PAYSIM_STEP_MS;
}

/** The step a PaySim event time belongs to (inverse of paysimEventTime). */
export function paysimStep(eventTime: number, epochMs: number = PAYSIM_EPOCH_MS): number {
  return Math.floor((eventTime - epochMs) / PAYSIM_STEP_MS);
}

/** PaySim rows carry no id: the 1-based data row number in the file names the transaction. */
export function paysimTxId(rowNumber: number): string {
  return `paysim-${rowNumber}`;
}

export interface PaysimRow {
  /** 1-based data row number (the header is row 0). */
  rowNumber: number;
  step: number;
  tx: Transaction;
  isFraud: boolean;
  isFlaggedFraud: boolean;
  /** From an optional 12th column `typology` (simulator exports); null when absent or empty. */
  typology: string | null;
}

export interface PaysimParseOptions {
  epochMs?: number;
  currency?: string;
}

const TYPES = new Set<string>(PAYSIM_TYPES);

function csvError(line: number, why: string, text?: string): FraudError {
  return new FraudError('CSV_INVALID', `PaySim CSV line ${line}: ${why}`, {
    details: { line, text: text?.slice(0, 200) },
  });
}

function num(field: string | undefined, name: string, line: number, text: string): number {
  const v = field === undefined || field.trim() === '' ? NaN : Number(field);
  if (!Number.isFinite(v)) throw csvError(line, `${name} is not a number: ${JSON.stringify(field)}`, text);
  return v;
}

function flag(field: string | undefined, name: string, line: number, text: string): boolean {
  const v = num(field, name, line, text);
  if (v !== 0 && v !== 1) throw csvError(line, `${name} must be 0 or 1, got ${JSON.stringify(field)}`, text);
  return v === 1;
}

const minor = (major: number): number => Math.round(major * 100);

/** Checks the header line (an extra trailing `typology` column is allowed); throws CSV_INVALID. */
export function checkPaysimHeader(line: string): void {
  const cols = line
    .replace(/^\uFEFF/, '')
    .trim()
    .split(',')
    .map((c) => c.trim());
  const extra = cols.length === PAYSIM_COLUMNS.length + 1 && cols[PAYSIM_COLUMNS.length] === 'typology';
  const same = (cols.length === PAYSIM_COLUMNS.length || extra) && PAYSIM_COLUMNS.every((c, i) => cols[i] === c);
  if (!same) {
    throw csvError(1, `header must be ${PAYSIM_COLUMNS.join(',')} (Kaggle PaySim format), got ${line.slice(0, 200)}`);
  }
}

/** One data line (without its line ending). `line` is the physical line number for errors. */
export function parsePaysimLine(
  text: string,
  rowNumber: number,
  line: number = rowNumber + 1,
  opts: PaysimParseOptions = {},
): PaysimRow {
  const f = text.split(',');
  if (f.length !== PAYSIM_COLUMNS.length && f.length !== PAYSIM_COLUMNS.length + 1)
    throw csvError(line, `expected ${PAYSIM_COLUMNS.length} fields, got ${f.length}`, text);
  const step = num(f[0], 'step', line, text);
  if (!Number.isInteger(step) || step < 0)
    throw csvError(line, `step must be a non-negative integer, got ${f[0]}`, text);
  const type = (f[1] ?? '').trim();
  if (!TYPES.has(type))
    throw csvError(line, `unknown type ${JSON.stringify(type)} (expected ${PAYSIM_TYPES.join('|')})`, text);
  const amount = num(f[2], 'amount', line, text);
  const nameOrig = (f[3] ?? '').trim();
  const oldOrg = num(f[4], 'oldbalanceOrg', line, text);
  num(f[5], 'newbalanceOrig', line, text); // validated, then dropped (post-transaction)
  const nameDest = (f[6] ?? '').trim();
  const oldDest = num(f[7], 'oldbalanceDest', line, text);
  num(f[8], 'newbalanceDest', line, text); // validated, then dropped (post-transaction)
  const isFraud = flag(f[9], 'isFraud', line, text);
  const isFlaggedFraud = flag(f[10], 'isFlaggedFraud', line, text);
  if (nameOrig === '' || nameDest === '') throw csvError(line, 'nameOrig and nameDest must not be empty', text);
  if (amount < 0) throw csvError(line, `amount must be >= 0, got ${f[2]}`, text);
  const tx: Transaction = {
    txId: paysimTxId(rowNumber),
    eventTime: paysimEventTime(step, opts.epochMs),
    type: type as TransactionType,
    amount: minor(amount),
    currency: opts.currency ?? 'USD',
    originAccount: nameOrig,
    originBalanceBefore: minor(oldOrg),
    destAccount: nameDest,
    destBalanceBefore: minor(oldDest),
    channel: null,
    attributes: {},
  };
  const typology = (f[PAYSIM_COLUMNS.length] ?? '').trim();
  return { rowNumber, step, tx, isFraud, isFlaggedFraud, typology: typology === '' ? null : typology };
}

/** Streams a PaySim CSV file row by row (CRLF or LF; blank lines skipped). */
export async function* readPaysimCsv(path: string, opts: PaysimParseOptions = {}): AsyncGenerator<PaysimRow> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  let row = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === 1) {
        checkPaysimHeader(text);
        continue;
      }
      if (text.trim() === '') continue;
      row++;
      yield parsePaysimLine(text, row, line, opts);
    }
  } catch (err: unknown) {
    if (err instanceof FraudError) throw err;
    throw new FraudError('CSV_INVALID', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    lines.close();
    stream.destroy();
  }
  if (line === 0) throw new FraudError('CSV_INVALID', `${path} is empty: expected a PaySim CSV with a header line`);
}

export interface LoadOptions extends PaysimParseOptions {
  /** Keep rows with step <= untilStep. */
  untilStep?: number;
  /** Keep rows with step >= fromStep. */
  fromStep?: number;
  onProgress?: (rows: number) => void;
}

/** Loads a whole file into memory, filtered by step range, in file order. */
export async function loadPaysimCsv(path: string, opts: LoadOptions = {}): Promise<PaysimRow[]> {
  const rows: PaysimRow[] = [];
  let seen = 0;
  for await (const r of readPaysimCsv(path, opts)) {
    seen++;
    if (opts.onProgress !== undefined && seen % 10_000 === 0) opts.onProgress(seen);
    if (opts.untilStep !== undefined && r.step > opts.untilStep) continue;
    if (opts.fromStep !== undefined && r.step < opts.fromStep) continue;
    rows.push(r);
  }
  opts.onProgress?.(seen);
  return rows;
}

/** Stable sort by event time (file order breaks ties), as the stream would deliver them. */
export function sortByEventTime<T extends { tx: Transaction }>(rows: readonly T[]): T[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.tx.eventTime - b.r.tx.eventTime || a.i - b.i)
    .map((x) => x.r);
}
