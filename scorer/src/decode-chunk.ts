import { errorMessage, isFraudError, type FraudError } from '@fraud/common';
import { firstHeader, type RawRecord } from '@fraud/kafka';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import type { Codec } from './ports.ts';
import { DECIDED_HEADER } from './sync/memory.ts';

/**
 * A record of a chunk after decoding: its payment (and the decision already taken on it by the
 * synchronous path, from its DECIDED_HEADER), or the code and sentence of why not.
 */
export type DecodedRecord =
  { ok: true; payment: Transaction; decided?: ScoredTransaction } | { ok: false; code: string; message: string };

/**
 * Decodes every record of a chunk (the registry codec may fetch a schema: I/O). Bad bytes become
 * a dead-letter code; anything else (registry down...) rejects, so the chunk fails and is
 * retried, never silently turned into dead letters.
 */
export function decodeChunk(
  records: readonly RawRecord[],
  decode: Codec<Transaction>['decode'],
  decodeDecided?: Codec<ScoredTransaction>['decode'],
): Promise<DecodedRecord[]> {
  return Promise.all(records.map((r) => decodeOne(r, decode, decodeDecided)));
}

async function decodeOne(
  rec: RawRecord,
  decode: Codec<Transaction>['decode'],
  decodeDecided?: Codec<ScoredTransaction>['decode'],
): Promise<DecodedRecord> {
  if (rec.value === null || rec.value.length === 0)
    return { ok: false, code: 'DECODE_TRUNCATED', message: 'record has no value (null or empty)' };
  try {
    const payment = await decode(rec.value);
    const header = decodeDecided ? decidedHeader(rec) : undefined;
    if (header === undefined) return { ok: true, payment };
    const decided = await decodeDecided!(header);
    if (decided.transaction.txId !== payment.txId) {
      return {
        ok: false,
        code: 'DECIDED_MISMATCH',
        message: `the ${DECIDED_HEADER} header decides txId ${decided.transaction.txId}, the record is ${payment.txId}`,
      };
    }
    return { ok: true, payment, decided };
  } catch (err: unknown) {
    if (isBadRecordError(err)) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** A decode error that the record's own bytes caused (not an outage): it will never decode. */
export function isBadRecordError(err: unknown): err is FraudError {
  return (
    isFraudError(err) &&
    (err.code.startsWith('DECODE_') || err.code === 'SCHEMA_NOT_FOUND' || err.code === 'RECORD_INVALID')
  );
}

/**
 * The record decoded, or null when its bytes will never decode (empty, or a bad-record error:
 * `onBad` is told why); an outage (registry down) rejects, so the reader fetches it again.
 */
export async function decodeOrSkip<T>(
  decode: (b: Buffer) => Promise<T>,
  value: Buffer | null,
  onBad?: (err: FraudError) => void,
): Promise<T | null> {
  if (value === null || value.length === 0) return null;
  try {
    return await decode(value);
  } catch (err: unknown) {
    if (!isBadRecordError(err)) throw err;
    onBad?.(err);
    return null;
  }
}

/** For logs: a short description of a thrown value. */
export function describe(err: unknown): string {
  return isFraudError(err) ? `${err.code}: ${err.message}` : errorMessage(err);
}

/** The DECIDED_HEADER bytes of a record, if it has that header. */
function decidedHeader(rec: RawRecord): Buffer | undefined {
  const v = firstHeader(rec.headers, DECIDED_HEADER);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? Buffer.from(v) : v;
}
