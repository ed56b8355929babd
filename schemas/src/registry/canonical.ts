import { errorMessage } from '@fraud/common';
import type { Type } from 'avsc';
import { parseAvro } from '../avro.ts';
import { RegistryError } from './errors.ts';

const KEY_ORDER = [
  'type',
  'name',
  'namespace',
  'doc',
  'aliases',
  'fields',
  'symbols',
  'items',
  'values',
  'size',
  'default',
  'order',
  'logicalType',
];

function rank(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i === -1 ? KEY_ORDER.length : i;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

function sortKeys(entries: Array<[string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)));
}

const split = (full: string): { space: string; short: string } => {
  const i = full.lastIndexOf('.');
  return i === -1 ? { space: '', short: full } : { space: full.slice(0, i), short: full.slice(i + 1) };
};

/**
 * Fixed key order, and names written relative to the enclosing namespace: a name given as
 * "io.fraud.X", as {name: X, namespace: io.fraud} or inherited from the enclosing record is
 * written the same way (clients differ here: python-avro repeats namespaces, avsc does not).
 */
function normalize(node: unknown, ns: string): unknown {
  if (typeof node === 'string') {
    if (PRIMITIVES.has(node)) return node;
    const full = node.includes('.') || ns === '' ? node : `${ns}.${node}`;
    const { space, short } = split(full);
    return space === ns ? short : full;
  }
  if (Array.isArray(node)) return node.map((n) => normalize(n, ns));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  let inner = ns;
  const entries: Array<[string, unknown]> = [];
  if (typeof obj.type === 'string' && NAMED.has(obj.type) && typeof obj.name === 'string') {
    const declared = typeof obj.namespace === 'string' ? obj.namespace : ns;
    const full = obj.name.includes('.') || declared === '' ? obj.name : `${declared}.${obj.name}`;
    const { space, short } = split(full);
    inner = space;
    entries.push(['name', short]);
    if (space !== ns) entries.push(['namespace', space]);
  }
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'name' && entries.some(([k]) => k === 'name')) continue;
    if (key === 'namespace' && entries.some(([k]) => k === 'name')) continue;
    if (key === 'default' || key === 'aliases' || key === 'symbols' || key === 'doc') entries.push([key, value]);
    else if (key === 'fields' && Array.isArray(value)) entries.push([key, value.map((f) => normalizeField(f, inner))]);
    else if (key === 'type' || key === 'items' || key === 'values') entries.push([key, normalize(value, inner)]);
    else entries.push([key, value]);
  }
  return sortKeys(entries);
}

function normalizeField(field: unknown, ns: string): unknown {
  if (field === null || typeof field !== 'object' || Array.isArray(field)) return field;
  return sortKeys(Object.entries(field).map(([k, v]): [string, unknown] => [k, k === 'type' ? normalize(v, ns) : v]));
}

export interface ParsedSchema {
  /** The stored text: the submitted JSON with whitespace removed and keys in a fixed order. */
  canonical: string;
  type: Type;
}

/**
 * Validates a submitted Avro schema and returns its canonical text. Two submissions that differ
 * only in whitespace, key order or how names are qualified get the same text, hence the same
 * id. Attributes (doc, logicalType, defaults) are kept: they are part of the contract.
 */
export function parseSchema(text: unknown): ParsedSchema {
  if (typeof text !== 'string' || text.trim() === '')
    throw new RegistryError(42201, 'Invalid schema: "schema" must be a non-empty string holding the Avro schema JSON');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err: unknown) {
    throw new RegistryError(42201, `Invalid schema: not JSON: ${errorMessage(err)}`);
  }
  let type: Type;
  try {
    type = parseAvro(json);
  } catch (err: unknown) {
    throw new RegistryError(42201, `Invalid schema: ${errorMessage(err)}`);
  }
  return { canonical: JSON.stringify(normalize(json, '')), type };
}
