import { errorMessage } from '@fraud/common';
import type { Type } from 'avsc';
import { parseAvro } from '../avro.ts';
import { RegistryError } from './errors.ts';

const KEY_ORDER = ['type', 'name', 'namespace', 'doc', 'aliases', 'fields', 'symbols', 'items', 'values', 'size', 'default', 'order', 'logicalType'];

function rank(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i === -1 ? KEY_ORDER.length : i;
}

function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (node === null || typeof node !== 'object') return node;
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, normalize((node as Record<string, unknown>)[k])]));
}

export interface ParsedSchema {
  /** The stored text: the submitted JSON with whitespace removed and keys in a fixed order. */
  canonical: string;
  type: Type;
}

/**
 * Validates a submitted Avro schema and returns its canonical text. Two submissions that differ
 * only in whitespace or key order get the same text, hence the same id. Attributes (doc,
 * logicalType, defaults) are kept: they are part of the contract clients see.
 */
export function parseSchema(text: unknown): ParsedSchema {
  if (typeof text !== 'string' || text.trim() === '') throw new RegistryError(42201, 'Invalid schema: "schema" must be a non-empty string holding the Avro schema JSON');
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
  return { canonical: JSON.stringify(normalize(json)), type };
}
