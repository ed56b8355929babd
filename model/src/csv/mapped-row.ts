import { FraudError } from '@fraud/common';
import { TRANSACTION_TYPES, validateTransaction, type Transaction, type TransactionType } from '@fraud/schemas';
import { cell, inList, parseIsoTime, parseMoney, parseNumber, RowError, splitCells } from './fields.ts';
import type { FieldTarget, Mapping, MappableField } from './mapping.ts';

/** One valid data row of a mapped file: the decision-time transaction, its truth and typology. */
export interface MappedRow {
  /** 1-based physical line (the header is line 1). */
  line: number;
  /** 1-based data row number: non-empty lines after the header, valid or not (generated txIds use it). */
  rowNumber: number;
  /** The step index when the mapping's time is a step column, else null. */
  step: number | null;
  tx: Transaction;
  isFraud: boolean;
  /** The scenario column's value (with the mapping's prefix), or null. */
  typology: string | null;
}

export interface RowReject {
  line: number;
  reason: string;
  /** The raw line. */
  raw: string;
}

export type MappedRecord = { ok: true; row: MappedRow } | ({ ok: false } & RowReject);

/** Column positions found in the header. */
export interface ColumnLayout {
  count: number;
  index: ReadonlyMap<string, number>;
}

export interface CompiledMapping {
  mapping: Mapping;
  /** The Transaction fields this mapping fills (attributes.X included), for picking a feature spec. */
  fields: readonly string[];
  /** Every column the mapping reads, in a stable order (time, mapped columns, label, scenario, txId). */
  columns: readonly string[];
  /** Reads the header line; throws CSV_INVALID when a required column is missing. */
  header(text: string): ColumnLayout;
  /** One data line; a bad row is a reject with its reason, never an exception. */
  parse(layout: ColumnLayout, text: string, line: number, rowNumber: number): MappedRecord;
}

export interface CompileOptions {
  /** txId of a row when the mapping has no txId column (default <idPrefix>-<rowNumber>). */
  generatedTxId?: (line: number, rowNumber: number) => string;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in a mapping ("1h", "1d" or milliseconds). */
export function mappingDurationMs(d: string | number): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(d);
  return m === null ? NaN : Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

const MONEY: ReadonlySet<string> = new Set(['amount', 'originBalanceBefore', 'destBalanceBefore']);
const ACCOUNTS: ReadonlySet<string> = new Set(['originAccount', 'destAccount']);
const SYMBOLS: ReadonlySet<string> = new Set(TRANSACTION_TYPES);

function guessSeparator(s: string, want: number, delimiter: string): string | null {
  for (const sep of [',', ';', '\t', '|']) if (sep !== delimiter && s.split(sep).length >= want) return sep;
  return null;
}

export function compileMapping(mapping: Mapping, options: CompileOptions = {}): CompiledMapping {
  const targets = Object.entries(mapping.columns).map(([column, t]) => ({
    column,
    fields: (Array.isArray(t) ? t : [t]) as FieldTarget[],
  }));
  const columns = [
    ...new Set([
      mapping.time.column,
      ...targets.map((t) => t.column),
      mapping.label.column,
      ...(mapping.txId ? [mapping.txId.column] : []),
    ]),
  ];
  const optional = mapping.scenario?.optional === true ? [] : mapping.scenario ? [mapping.scenario.column] : [];
  const required = [...columns, ...optional];
  const fields = [
    ...new Set([
      'txId',
      'eventTime',
      'currency',
      ...targets.flatMap((t) => t.fields),
      ...Object.keys(mapping.constants),
    ]),
  ];
  const idPrefix = mapping.idPrefix ?? mapping.name;
  const generatedTxId = options.generatedTxId ?? ((_line: number, row: number) => `${idPrefix}-${row}`);
  const minorPerMajor = mapping.amountUnits === 'major' ? mapping.minorPerMajor : null;
  const typeLabel = mapping.types.symbols
    ? [...Object.keys(mapping.types.map), ...TRANSACTION_TYPES]
    : Object.keys(mapping.types.map);

  function header(raw: string): ColumnLayout {
    let h = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (h.startsWith('\xef\xbb\xbf')) h = h.slice(3);
    if (h.startsWith('\uFEFF')) h = h.slice(1);
    const names = splitCells(h, mapping.delimiter).map(cell);
    const index = new Map<string, number>();
    names.forEach((n, i) => {
      if (!index.has(n)) index.set(n, i);
    });
    const missing = required.filter((c) => !index.has(c));
    if (missing.length > 0) {
      const sep = names.length === 1 ? guessSeparator(h, 2, mapping.delimiter) : null;
      const hint = sep
        ? ` (it looks separated by ${JSON.stringify(sep)}, the mapping says ${JSON.stringify(mapping.delimiter)})`
        : '';
      throw new FraudError(
        'CSV_INVALID',
        `not a ${mapping.name} CSV: the header is ${JSON.stringify(h.slice(0, 200))}${hint}; expected ` +
          `"${required.join(mapping.delimiter)}" (missing ${missing.join(', ')}); pick the right --mapping`,
        { details: { missing } },
      );
    }
    return { count: names.length, index };
  }

  function parseType(value: string, column: string): { type: TransactionType; typeName: string | null } {
    if (value === '') throw new RowError(`${column}: empty`);
    const mapped = mapping.types.map[value];
    if (mapped !== undefined) return { type: mapped, typeName: null };
    if (mapping.types.symbols && SYMBOLS.has(value)) return { type: value as TransactionType, typeName: null };
    if (mapping.types.unknown === 'other') return { type: 'OTHER', typeName: value };
    throw new RowError(
      `${column}: unknown transaction type ${JSON.stringify(value)} (expected one of ${typeLabel.join(', ')})`,
    );
  }

  function eventTime(value: string): { eventTime: number; step: number | null } {
    const t = mapping.time;
    const col = t.column;
    switch (t.format) {
      case 'iso':
        return { eventTime: parseIsoTime(value, col), step: null };
      case 'epoch-seconds':
        return { eventTime: Math.round(parseNumber(value, col) * 1000), step: null };
      case 'epoch-ms':
        return { eventTime: Math.round(parseNumber(value, col)), step: null };
      case 'step': {
        const step = parseNumber(value, col);
        if (!Number.isInteger(step) || step < 0)
          throw new RowError(`${col}: ${JSON.stringify(value)} is not a non-negative integer`);
        return { eventTime: Date.parse(t.origin) + step * mappingDurationMs(t.step), step };
      }
    }
  }

  function isFraudOf(value: string): boolean {
    const { column, truthy, falsy } = mapping.label;
    if (value !== '' && inList(value, truthy)) return true;
    if (value !== '' && inList(value, falsy)) return false;
    const expected =
      truthy.length === 1 && falsy.length === 1
        ? `${falsy[0]} or ${truthy[0]}`
        : `one of ${truthy.join(', ')} (fraud) or ${falsy.join(', ')} (legitimate)`;
    throw new RowError(`${column}: ${JSON.stringify(value)} is not ${expected}`);
  }

  function assign(
    tx: Record<string, unknown>,
    attrs: Record<string, string>,
    field: FieldTarget,
    value: string,
    column: string,
  ): void {
    if (field.startsWith('attributes.')) {
      if (value !== '') attrs[field.slice('attributes.'.length)] = value;
      return;
    }
    const f = field as MappableField;
    if (MONEY.has(f)) {
      if (f !== 'amount' && value === '') tx[f] = null;
      else {
        const minor = parseMoney(value, column, minorPerMajor);
        if (f === 'amount' && minor < 0) throw new RowError(`${column}: ${JSON.stringify(value)} is negative`);
        tx[f] = minor;
      }
    } else if (f === 'type') {
      // typeName is set only for OTHER, so a PaySim row is the same record the PaySim reader makes.
      const { type, typeName } = parseType(value, column);
      tx.type = type;
      if (typeName !== null) tx.typeName = typeName;
    } else if (ACCOUNTS.has(f)) {
      if (value === '') throw new RowError(`${column}: empty account name`);
      tx[f] = value;
    } else if (f === 'currency') tx[f] = value === '' ? 'USD' : value;
    else tx[f] = value === '' ? null : value;
  }

  function parse(layout: ColumnLayout, text: string, line: number, rowNumber: number): MappedRecord {
    if (text.trim() === '') return { ok: false, line, reason: 'empty line', raw: text };
    const cells = splitCells(text, mapping.delimiter);
    if (cells.length !== layout.count) {
      const sep = cells.length === 1 ? guessSeparator(text, layout.count, mapping.delimiter) : null;
      const reason = sep
        ? `wrong separator ${JSON.stringify(sep)} (expected ${JSON.stringify(mapping.delimiter)})`
        : cells.length < layout.count
          ? `missing columns: expected ${layout.count}, got ${cells.length}`
          : `too many columns: expected ${layout.count}, got ${cells.length}`;
      return { ok: false, line, reason, raw: text };
    }
    const get = (column: string): string => {
      const i = layout.index.get(column);
      return i === undefined ? '' : cell(cells[i]!);
    };
    try {
      const tx: Record<string, unknown> = { currency: 'USD', channel: null };
      const attrs: Record<string, string> = {};
      for (const [field, value] of Object.entries(mapping.constants))
        assign(tx, attrs, field as FieldTarget, value, field);
      for (const t of targets) {
        const value = get(t.column);
        for (const field of t.fields) assign(tx, attrs, field, value, t.column);
      }
      const time = eventTime(get(mapping.time.column));
      const isFraud = isFraudOf(get(mapping.label.column));
      let txId = generatedTxId(line, rowNumber);
      if (mapping.txId) {
        const id = get(mapping.txId.column);
        if (id === '') throw new RowError(`${mapping.txId.column}: empty transaction id`);
        txId = `${mapping.txId.prefix}${id}`;
      }
      const sc = mapping.scenario;
      const scenario = sc === undefined ? '' : get(sc.column);
      const typology =
        sc === undefined || scenario === '' || inList(scenario, sc.none) ? null : `${sc.prefix}${scenario}`;
      const full = { txId, eventTime: time.eventTime, ...tx, attributes: attrs } as Transaction;
      const problem = validateTransaction(full, Number.MAX_SAFE_INTEGER, { maxEventAheadMs: 0 });
      if (problem !== null) throw new RowError(problem);
      return { ok: true, row: { line, rowNumber, step: time.step, tx: full, isFraud, typology } };
    } catch (err: unknown) {
      if (err instanceof RowError) return { ok: false, line, reason: err.message, raw: text };
      throw err;
    }
  }

  return { mapping, fields, columns: required, header, parse };
}
