import { FraudError } from '@fraud/common';
import { TRANSACTION_TYPES, validateTransaction, type Transaction, type TransactionType } from '@fraud/schemas';
import { cell, NUMBER, parseIsoTime, parseNumber, RowError, splitCells } from './fields.ts';
import { fieldSetter, newDraft, type SetterContext } from './draft.ts';
import type { FieldTarget, Mapping } from './mapping.ts';

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

/** Column positions found in the header (-1: an optional column the file lacks). */
export interface ColumnLayout {
  count: number;
  index: ReadonlyMap<string, number>;
  /** Positions of the mapping's columns, in its order, resolved once per file. */
  targets: readonly number[];
  time: number;
  label: number;
  txId: number;
  scenario: number;
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

const SYMBOLS: ReadonlySet<string> = new Set(TRANSACTION_TYPES);

/** A list of label or scenario values, for inSet: text lower-cased, numbers as numbers ("1.0" is "1"). */
interface ValueSet {
  text: ReadonlySet<string>;
  numbers: ReadonlySet<number>;
}

function valueSet(values: readonly string[]): ValueSet {
  return {
    text: new Set(values.map((v) => v.toLowerCase())),
    numbers: new Set(values.filter((v) => NUMBER.test(v)).map(Number)),
  };
}

function inSet(value: string, set: ValueSet): boolean {
  if (set.text.has(value) || set.text.has(value.toLowerCase())) return true;
  return set.numbers.size > 0 && NUMBER.test(value) && set.numbers.has(Number(value));
}

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
    const at = (c: string | undefined): number => (c === undefined ? -1 : (index.get(c) ?? -1));
    return {
      count: names.length,
      index,
      targets: targets.map((t) => at(t.column)),
      time: at(mapping.time.column),
      label: at(mapping.label.column),
      txId: at(mapping.txId?.column),
      scenario: at(mapping.scenario?.column),
    };
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

  const stepOrigin = mapping.time.format === 'step' ? Date.parse(mapping.time.origin) : 0;
  const stepMs = mapping.time.format === 'step' ? mappingDurationMs(mapping.time.step) : 0;

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
        return { eventTime: stepOrigin + step * stepMs, step };
      }
    }
  }

  const truthy = valueSet(mapping.label.truthy);
  const falsy = valueSet(mapping.label.falsy);
  const noScenario = valueSet(mapping.scenario?.none ?? []);

  function isFraudOf(value: string): boolean {
    if (value !== '' && inSet(value, truthy)) return true;
    if (value !== '' && inSet(value, falsy)) return false;
    const { column, truthy: t, falsy: f } = mapping.label;
    const expected =
      t.length === 1 && f.length === 1
        ? `${f[0]} or ${t[0]}`
        : `one of ${t.join(', ')} (fraud) or ${f.join(', ')} (legitimate)`;
    throw new RowError(`${column}: ${JSON.stringify(value)} is not ${expected}`);
  }

  const ctx = (column: string): SetterContext => ({ column, minorPerMajor, parseType });
  const setters = targets.map((t) => t.fields.map((f) => fieldSetter(f, ctx(t.column))));
  const constants = Object.entries(mapping.constants).map(([field, value]) => ({
    set: fieldSetter(field as FieldTarget, ctx(`$.constants.${field}`)),
    value,
  }));
  try {
    for (const c of constants) c.set(newDraft(), c.value);
  } catch (err: unknown) {
    if (!(err instanceof RowError)) throw err;
    throw new FraudError('CONFIG_INVALID', `mapping ${mapping.name}: ${err.message}`);
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
    const get = (i: number): string => (i < 0 ? '' : cell(cells[i]!));
    try {
      const tx = newDraft();
      for (const c of constants) c.set(tx, c.value);
      for (let k = 0; k < setters.length; k++) {
        const value = get(layout.targets[k]!);
        for (const set of setters[k]!) set(tx, value);
      }
      const time = eventTime(get(layout.time));
      const isFraud = isFraudOf(get(layout.label));
      if (mapping.txId) {
        const id = get(layout.txId);
        if (id === '') throw new RowError(`${mapping.txId.column}: empty transaction id`);
        tx.txId = `${mapping.txId.prefix}${id}`;
      } else tx.txId = generatedTxId(line, rowNumber);
      tx.eventTime = time.eventTime;
      const sc = mapping.scenario;
      const scenario = sc === undefined ? '' : get(layout.scenario);
      const typology =
        sc === undefined || scenario === '' || inSet(scenario, noScenario) ? null : `${sc.prefix}${scenario}`;
      const problem = validateTransaction(tx, Number.MAX_SAFE_INTEGER, { maxEventAheadMs: 0 });
      if (problem !== null) throw new RowError(problem);
      return { ok: true, row: { line, rowNumber, step: time.step, tx, isFraud, typology } };
    } catch (err: unknown) {
      if (err instanceof RowError) return { ok: false, line, reason: err.message, raw: text };
      throw err;
    }
  }

  return { mapping, fields, columns: required, header, parse };
}
