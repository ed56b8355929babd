import type { Codec, Transaction } from '@fraud/schemas';

/** Bytes of a zig-zag varint (Avro int/long) for n. */
function varintSize(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

/**
 * Every kind of bad input the scorer must dead-letter, each with the reason it must carry.
 * Avro cannot carry a NaN amount (it is a long), so that case is covered by the unit tests.
 */
export function badInputs(
  codec: Codec<Transaction>,
  good: Transaction,
): Array<{ kind: string; reason: string; value: Buffer }> {
  const valid = codec.encode(good);
  const wrongMagic = Buffer.from(valid);
  wrongMagic[0] = 1;
  const unknownSchema = Buffer.from(valid);
  unknownSchema.writeInt32BE(987_654_321, 1);
  // A complete record followed by bytes that belong to no field.
  const garbageBody = Buffer.concat([valid, Buffer.from('garbage')]);
  // The type enum sits after txId (length-prefixed string) and eventTime (long): index 40 of 9.
  const badEnum = Buffer.from(valid);
  const txIdLen = Buffer.byteLength(good.txId);
  badEnum[5 + varintSize(txIdLen) + txIdLen + varintSize(good.eventTime)] = 80;
  return [
    { kind: 'wrong magic byte', reason: 'DECODE_WRONG_MAGIC', value: wrongMagic },
    { kind: 'unknown schema id', reason: 'DECODE_UNKNOWN_SCHEMA', value: unknownSchema },
    { kind: 'undecodable body', reason: 'DECODE_FAILED', value: garbageBody },
    { kind: 'truncated body', reason: 'DECODE_TRUNCATED', value: valid.subarray(0, valid.length - 3) },
    { kind: 'unknown type (enum index 40)', reason: 'DECODE_FAILED', value: badEnum },
    {
      kind: 'negative amount',
      reason: 'RECORD_INVALID',
      value: codec.encode({ ...good, txId: `${good.txId}-neg`, amount: -100 }),
    },
    {
      kind: 'empty account',
      reason: 'RECORD_INVALID',
      value: codec.encode({ ...good, txId: `${good.txId}-empty`, originAccount: '' }),
    },
    {
      kind: 'far-future eventTime',
      reason: 'RECORD_INVALID',
      value: codec.encode({ ...good, txId: `${good.txId}-future`, eventTime: Date.now() + 30 * 86_400_000 }),
    },
  ];
}
