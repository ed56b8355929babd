import type { IHeaders } from 'kafkajs';

/**
 * One consumed record before decoding, as kafkajs hands it over: offset and timestamp are int64
 * values as decimal strings, key and value the raw bytes (a null value is a tombstone).
 */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  offset: string;
  timestamp: string;
}

/** A raw record with the topic-partition it was read from (kafkajs keeps those on the fetch batch). */
export interface LocatedRecord extends RawRecord {
  topic: string;
  partition: number;
}

/** The first value of header `name` (kafkajs allows repeated headers), or undefined. */
export function firstHeader(headers: IHeaders | undefined, name: string): Buffer | string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}
