import { FraudError } from '@fraud/common';

/**
 * Confluent wire format:
 *
 *   byte 0      magic, always 0
 *   bytes 1..4  schema id, int32 big-endian
 *   bytes 5..   Avro binary body (no container header)
 */
export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

export function writeHeader(target: Buffer, schemaId: number, offset = 0): void {
  target[offset] = MAGIC_BYTE;
  target.writeInt32BE(schemaId, offset + 1);
}

/** Reads the schema id, or throws the typed error a DLQ reason is made of. */
export function readSchemaId(buf: Buffer): number {
  if (buf.length === 0) throw new FraudError('DECODE_TRUNCATED', 'empty value: expected the 5-byte Confluent header');
  if (buf[0] !== MAGIC_BYTE) {
    throw new FraudError(
      'DECODE_WRONG_MAGIC',
      `magic byte is ${buf[0]}, expected ${MAGIC_BYTE}: not Confluent wire format`,
      {
        details: { magic: buf[0] },
      },
    );
  }
  if (buf.length < HEADER_SIZE) {
    throw new FraudError('DECODE_TRUNCATED', `value is ${buf.length} bytes, shorter than the 5-byte Confluent header`);
  }
  return buf.readInt32BE(1);
}
