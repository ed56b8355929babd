import { FraudError, errorMessage, isFraudError } from '@fraud/common';
import type { Resolver, Type } from 'avsc';
import { loadAvroSchemas, parseAvro, type RecordName } from './avro.ts';
import { createSchemaRegistryClient, type SchemaRegistryClient } from './registry-client.ts';
import { valueSubject, type Topics } from './topics.ts';
import type { Label, ModelUpdate, ScoredTransaction, Transaction } from './types.ts';
import { HEADER_SIZE, readSchemaId, writeHeader } from './wire.ts';

/**
 * Confluent-framed Avro codec for one record type. encode is synchronous (producers call it
 *100k+ times a second); decode is synchronous in effect for known schema ids and goes to the
 * registry only for an id it has not seen, whose writer schema is then resolved to the reader
 * schema (schema evolution) and cached.
 */
export interface Codec<T> {
  readonly schemaId: number;
  encode(value: T): Buffer;
  decode(buf: Buffer): Promise<T>;
}

export interface Codecs {
  transaction: Codec<Transaction>;
  scored: Codec<ScoredTransaction>;
  label: Codec<Label>;
  modelUpdate: Codec<ModelUpdate>;
}

export interface CodecDeps {
  /** Record name for messages. */
  name: string;
  /** Reader schema: what decode returns and what encode writes. */
  reader: Type;
  /** Id under which `reader` is registered. */
  schemaId: number;
  /** Writer schema text by id, null when the registry does not know it. */
  fetchSchema: (id: number) => Promise<string | null>;
}

const UNKNOWN_ID_TTL_MS = 10_000;
const MAX_UNKNOWN_IDS = 1_000;
/**
 * Encoded records are views into shared slabs, written in place (no copy): a slab is never
 * written again below its cursor, so earlier views stay intact. Like Node's own Buffer pool,
 * a retained record keeps its slab (16 KiB) alive.
 */
const SLAB_SIZE = 16 * 1024;

export function createCodec<T>(deps: CodecDeps): Codec<T> {
  const { reader, name, schemaId } = deps;
  const resolvers = createResolverCache(deps);
  return {
    schemaId,
    encode: createSlabEncoder<T>(deps),
    async decode(buf: Buffer): Promise<T> {
      const id = readSchemaId(buf);
      const known = resolvers.known(id);
      if (known !== undefined) return decodeBody<T>(name, reader, buf, id, known);
      return decodeBody<T>(name, reader, buf, id, await resolvers.load(id));
    },
  };
}

/** null: the writer schema is the reader schema. FraudError: the writer cannot be read. */
type WriterResolution = Resolver | null | FraudError;

/** Encodes into the current slab, starting a fresh one when the record does not fit (see SLAB_SIZE). */
function createSlabEncoder<T>(deps: Pick<CodecDeps, 'name' | 'reader' | 'schemaId'>): (value: T) => Buffer {
  const { reader, name, schemaId } = deps;
  let slab = Buffer.allocUnsafe(SLAB_SIZE);
  let cursor = 0;

  /** Encodes at `pos` of `target`: the end offset, or minus the missing bytes. */
  function encodeAt(value: T, target: Buffer, pos: number): number {
    const end = reader.encode(value, target, pos + HEADER_SIZE);
    if (end >= 0) writeHeader(target, schemaId, pos);
    return end;
  }

  return function encode(value: T): Buffer {
    try {
      let end = encodeAt(value, slab, cursor);
      if (end < 0 && cursor > 0) {
        // Does not fit in what is left of this slab: start a fresh one.
        slab = Buffer.allocUnsafe(SLAB_SIZE);
        cursor = 0;
        end = encodeAt(value, slab, cursor);
      }
      if (end >= 0) {
        const out = slab.subarray(cursor, end);
        cursor = (end + 7) & ~7; // keep views 8-byte aligned
        return out;
      }
      // Bigger than a slab (a model, say): its own buffer, sized from avsc's shortfall.
      const big = Buffer.allocUnsafe(SLAB_SIZE - end);
      return big.subarray(0, encodeAt(value, big, 0));
    } catch (err: unknown) {
      throw encodeError(name, reader, value, err);
    }
  };
}

/** The record after the header, read with the writer's resolution; the body must be exactly one record. */
function decodeBody<T>(name: string, reader: Type, buf: Buffer, id: number, resolver: WriterResolution): T {
  if (resolver instanceof FraudError) throw resolver;
  let result: { value: unknown; offset: number };
  try {
    result = reader.decode(buf, HEADER_SIZE, resolver ?? undefined);
  } catch (err: unknown) {
    throw new FraudError('DECODE_FAILED', `${name} body (schema id ${id}) is not valid Avro: ${errorMessage(err)}`, {
      cause: err,
      details: { schemaId: id },
    });
  }
  if (result.offset < 0) {
    throw new FraudError(
      'DECODE_TRUNCATED',
      `${name} body (schema id ${id}, ${buf.length - HEADER_SIZE} bytes) ends before the record does`,
      { details: { schemaId: id } },
    );
  }
  if (result.offset !== buf.length) {
    throw new FraudError(
      'DECODE_FAILED',
      `${name} body (schema id ${id}) has ${buf.length - result.offset} trailing bytes after the record`,
      { details: { schemaId: id } },
    );
  }
  return result.value as T;
}

/**
 * Writer schemas by id, fetched once (concurrent requests share one fetch) and cached; an id the
 * registry does not know is refused without asking again for UNKNOWN_ID_TTL_MS.
 */
function createResolverCache(deps: CodecDeps): {
  known(id: number): WriterResolution | undefined;
  load(id: number): Promise<WriterResolution>;
} {
  const { reader, name, schemaId } = deps;
  const resolved = new Map<number, WriterResolution>([[schemaId, null]]);
  const loading = new Map<number, Promise<WriterResolution>>();
  const unknownUntil = new Map<number, number>();

  async function fetchAndResolve(id: number): Promise<WriterResolution> {
    const text = await deps.fetchSchema(id);
    if (text === null) {
      if (unknownUntil.size >= MAX_UNKNOWN_IDS) unknownUntil.clear();
      unknownUntil.set(id, Date.now() + UNKNOWN_ID_TTL_MS);
      throw unknownSchema(name, id);
    }
    let result: WriterResolution;
    try {
      const writer = parseAvro(JSON.parse(text));
      result = writer.equals(reader) ? null : reader.createResolver(writer);
    } catch (err: unknown) {
      result = new FraudError(
        'DECODE_FAILED',
        `${name}: writer schema id ${id} cannot be read with the ${name} reader schema: ${errorMessage(err)}`,
        {
          cause: err,
          details: { schemaId: id },
        },
      );
    }
    resolved.set(id, result);
    return result;
  }

  return {
    known: (id) => resolved.get(id),
    load(id) {
      const until = unknownUntil.get(id);
      if (until !== undefined && until > Date.now()) return Promise.reject(unknownSchema(name, id));
      let pending = loading.get(id);
      if (!pending) {
        pending = fetchAndResolve(id).finally(() => loading.delete(id));
        loading.set(id, pending);
      }
      return pending;
    },
  };
}

function unknownSchema(name: string, id: number): FraudError {
  return new FraudError('DECODE_UNKNOWN_SCHEMA', `${name}: schema id ${id} is not in the schema registry`, {
    details: { schemaId: id },
  });
}

function encodeError(name: string, type: Type, value: unknown, cause: unknown): FraudError {
  const fields: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], val: unknown) => {
      fields.push(`${path.join('.') || '(record)'}=${describeValue(val)}`);
    },
  });
  const what = fields.length ? `invalid field(s) ${fields.join(', ')}` : errorMessage(cause);
  return new FraudError('ENCODE_FAILED', `cannot encode ${name}: ${what}`, { cause, details: { fields } });
}

function describeValue(val: unknown): string {
  if (typeof val === 'string') return JSON.stringify(val.length > 40 ? `${val.slice(0, 40)}...` : val);
  if (typeof val === 'number' || typeof val === 'boolean' || val === null || val === undefined) return String(val);
  if (Buffer.isBuffer(val)) return `<${val.length} bytes>`;
  return Array.isArray(val) ? 'array' : typeof val;
}

export type CodecTopics = Pick<Topics, 'transactions' | 'scored' | 'labels' | 'modelUpdates'>;

export interface CreateCodecsOptions {
  registryUrl: string;
  topics: CodecTopics;
  /** Optional client (e.g. with other retry settings); built from registryUrl otherwise. */
  client?: SchemaRegistryClient;
}

/**
 * Registers the four schemas under `<topic>-value` and builds their codecs. A registry user with
 * role read may not register (403): the schema must then be registered already, and its id is
 * looked up instead.
 */
export async function createCodecs(options: CreateCodecsOptions): Promise<Codecs> {
  const client = options.client ?? createSchemaRegistryClient({ url: options.registryUrl });
  const { json, types } = loadAvroSchemas();
  const fetchSchema = (id: number) => client.schemaById(id);
  const build = async <T>(record: RecordName, topic: string): Promise<Codec<T>> => {
    const subject = valueSubject(topic);
    const schema = JSON.stringify(json[record]);
    const schemaId = await client.register(subject, schema).catch(async (err: unknown) => {
      if (!isFraudError(err, 'FORBIDDEN')) throw err;
      return client.lookup(subject, schema).catch((lookupErr: unknown) => {
        if (!isFraudError(lookupErr, 'SCHEMA_NOT_FOUND')) throw lookupErr;
        throw new FraudError(
          'FORBIDDEN',
          `${record} is not registered under ${subject} and this registry user may only read: ` +
            'start a service once with a registry user of role write (it registers the schemas)',
          { cause: err },
        );
      });
    });
    return createCodec<T>({ name: record, reader: types[record], schemaId, fetchSchema });
  };
  const [transaction, scored, label, modelUpdate] = await Promise.all([
    build<Transaction>('Transaction', options.topics.transactions),
    build<ScoredTransaction>('ScoredTransaction', options.topics.scored),
    build<Label>('Label', options.topics.labels),
    build<ModelUpdate>('ModelUpdate', options.topics.modelUpdates),
  ]);
  return { transaction, scored, label, modelUpdate };
}
