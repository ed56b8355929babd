import { errorMessage, isFraudError, type FraudError } from '@fraud/common';
import type { RawRecord } from '@fraud/kafka';
import type { Transaction } from '@fraud/schemas';
import type { Codec } from './ports.ts';

/** A record of a chunk after decoding: its payment, or the code and sentence of why not. */
export type DecodedRecord = { ok: true; payment: Transaction } | { ok: false; code: string; message: string };

/**
 * Decodes every record of a chunk (the registry codec may fetch a schema: I/O). Bad bytes become
 * a dead-letter code; anything else (registry down...) rejects, so the chunk fails and is
 * retried, never silently turned into dead letters.
 */
export function decodeChunk(
  records: readonly RawRecord[],
  decode: Codec<Transaction>['decode'],
): Promise<DecodedRecord[]> {
  return Promise.all(records.map((r) => decodeOne(r, decode)));
}

async function decodeOne(rec: RawRecord, decode: Codec<Transaction>['decode']): Promise<DecodedRecord> {
  if (rec.value === null || rec.value.length === 0)
    return { ok: false, code: 'DECODE_TRUNCATED', message: 'record has no value (null or empty)' };
  try {
    return { ok: true, payment: await decode(rec.value) };
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

/** For logs: a short description of a thrown value. */
export function describe(err: unknown): string {
  return isFraudError(err) ? `${err.code}: ${err.message}` : errorMessage(err);
}
