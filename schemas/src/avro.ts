import avsc from 'avsc';
import type { Type } from 'avsc';
import { AVSC } from './generated/avro-schemas.ts';

/**
 * The four record schemas of ../avro, parsed on demand (never at import time). Their JSON is
 * embedded in generated/avro-schemas.ts (no file reads at run time, so bundlers cannot break
 * it); test/types.test.ts fails when that copy differs from the .avsc files.
 *
 * ScoredTransaction refers to io.fraud.Transaction by name. The schema text sent to the
 * registry inlines it, so the registered schema is self-contained and any client (Confluent,
 * Python, kcat) can read it without schema-reference support.
 *
 * avsc parses without logical-type handlers on purpose: timestamp-millis stays a plain number
 * (epoch ms) and longs are JS numbers. The registered text is the .avsc content itself, so the
 * logicalType annotations survive for clients that use them.
 */
export type RecordName = 'Transaction' | 'ScoredTransaction' | 'Label' | 'ModelUpdate';
export const RECORD_NAMES: readonly RecordName[] = ['Transaction', 'ScoredTransaction', 'Label', 'ModelUpdate'];

export interface AvroSchemas {
  /** Self-contained schema JSON as registered (references inlined). */
  json: Record<RecordName, unknown>;
  /** Parsed avsc types, used as the reader schemas of the codecs. */
  types: Record<RecordName, Type>;
}

/** Replaces every string reference to `fullName` by the schema object itself (first use only). */
function inlineNamed(schema: unknown, fullName: string, definition: unknown): unknown {
  let inlined = false;
  const walk = (node: unknown): unknown => {
    if (node === fullName && !inlined) {
      inlined = true;
      return definition;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'default' ? v : walk(v)]));
    }
    return node;
  };
  return walk(schema);
}

export function parseAvro(schema: unknown): Type {
  return avsc.Type.forSchema(schema as Parameters<typeof avsc.Type.forSchema>[0]);
}

/** Fresh copies each call: callers may keep or change what they get. */
export function loadAvroSchemas(): AvroSchemas {
  const raw = structuredClone(AVSC);
  const json: Record<RecordName, unknown> = {
    Transaction: raw.Transaction,
    ScoredTransaction: inlineNamed(raw.ScoredTransaction, 'io.fraud.Transaction', raw.Transaction),
    Label: raw.Label,
    ModelUpdate: raw.ModelUpdate,
  };
  const types = {
    Transaction: parseAvro(json.Transaction),
    ScoredTransaction: parseAvro(json.ScoredTransaction),
    Label: parseAvro(json.Label),
    ModelUpdate: parseAvro(json.ModelUpdate),
  };
  return { json, types };
}
