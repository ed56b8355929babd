import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { FraudError } from '@fraud/common';
import type { CompiledMapping, MappedRecord, MappedRow, RowReject } from './mapped-row.ts';

export interface MappedReadOptions {
  /** Highest byte chunk size read at once. */
  highWaterMark?: number;
  signal?: AbortSignal;
}

const NON_ASCII = /[\x80-\xff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function escapeBytes(latin1: string): string {
  return latin1.replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Physical line (bytes read as latin1) to text: UTF-8 checked only when a byte is not ASCII. */
function decodeLine(raw: string): { text: string } | { bad: string } {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (!NON_ASCII.test(text)) return { text };
  try {
    return { text: utf8.decode(Buffer.from(text, 'latin1')) };
  } catch {
    return { bad: escapeBytes(text) };
  }
}

/**
 * Streams a CSV through a compiled mapping in constant memory, one batch of records per chunk
 * read. Every line after the header yields exactly one record, valid or rejected with its
 * reason and line number; only an empty last line is not a row. Empty lines are rejected but
 * take no row number, so generated txIds do not depend on blank lines. A missing or foreign
 * header throws CSV_INVALID before any row.
 */
export async function* readMappedCsvBatches(
  source: string | Readable,
  compiled: CompiledMapping,
  options: MappedReadOptions = {},
): AsyncGenerator<MappedRecord[]> {
  const stream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: options.highWaterMark ?? 1 << 20 }) : source;
  let carry = '';
  let line = 0;
  let rowNumber = 0;
  let layout: ReturnType<CompiledMapping['header']> | null = null;
  const record = (raw: string): MappedRecord | null => {
    line++;
    const d = decodeLine(raw);
    if (layout === null) {
      layout = compiled.header('text' in d ? d.text : raw);
      return null;
    }
    if (!('text' in d)) return { ok: false, line, reason: 'invalid UTF-8', raw: d.bad };
    if (d.text.trim() === '') return { ok: false, line, reason: 'empty line', raw: d.text };
    rowNumber++;
    return compiled.parse(layout, d.text, line, rowNumber);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      if (options.signal?.aborted) return;
      const text = carry + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      const batch: MappedRecord[] = [];
      for (const raw of lines) {
        const r = record(raw);
        if (r !== null) batch.push(r);
      }
      if (batch.length) yield batch;
    }
  } finally {
    if (typeof source === 'string') (stream as Readable).destroy();
  }
  if (carry.length > 0 && carry !== '\r') {
    const r = record(carry);
    if (r !== null) yield [r];
  } else if (layout === null) {
    throw new FraudError(
      'CSV_INVALID',
      `the CSV is empty: expected a ${compiled.mapping.name} header with "${compiled.columns.join(',')}"`,
    );
  }
}

export interface LoadMappedOptions extends MappedReadOptions {
  /** Where bad rows go; without it the first bad row throws CSV_INVALID naming its line. Empty lines are skipped. */
  onReject?: (r: RowReject) => void;
  /** Rows read so far (every 10,000 and at the end). */
  onProgress?: (rows: number) => void;
  /** Keep only these rows (e.g. a step range). */
  filter?: (row: MappedRow) => boolean;
}

/** Loads a whole mapped file into memory, in file order. */
export async function loadMappedCsv(
  source: string | Readable,
  compiled: CompiledMapping,
  opts: LoadMappedOptions = {},
): Promise<MappedRow[]> {
  const rows: MappedRow[] = [];
  let seen = 0;
  const where = typeof source === 'string' ? `${source} ` : '';
  for await (const batch of readMappedCsvBatches(source, compiled, opts)) {
    for (const rec of batch) {
      seen++;
      if (opts.onProgress !== undefined && seen % 10_000 === 0) opts.onProgress(seen);
      if (!rec.ok) {
        if (rec.reason === 'empty line') continue;
        if (opts.onReject === undefined)
          throw new FraudError('CSV_INVALID', `${where}line ${rec.line}: ${rec.reason}`, {
            details: { line: rec.line, text: rec.raw.slice(0, 200) },
          });
        opts.onReject(rec);
        continue;
      }
      if (opts.filter === undefined || opts.filter(rec.row)) rows.push(rec.row);
    }
  }
  opts.onProgress?.(seen);
  return rows;
}
