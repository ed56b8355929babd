import type { IHeaders } from 'kafkajs';

/**
 * Dead letters: the ORIGINAL key and bytes, the original headers, plus dlq.* headers that say
 * why and where from. `dlq.reason` is a FraudError code (DECODE_WRONG_MAGIC, DECODE_UNKNOWN_SCHEMA,
 * DECODE_TRUNCATED, DECODE_FAILED, RECORD_INVALID), `dlq.message` the human sentence.
 */
import { DLQ_HEADERS } from '@fraud/schemas';

/** The header names are the shared contract in @fraud/schemas (one definition for every writer). */
export { DLQ_HEADERS };

export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  reason: string;
  message: string;
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp of the original record (ms, as a string like kafkajs gives it). */
  timestamp: string;
}

export interface DlqMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

const MESSAGE_MAX = 1_000;

export function toDlqMessage(d: DeadLetter): DlqMessage {
  const headers: IHeaders = { ...withoutDlqHeaders(d.headers) };
  headers[DLQ_HEADERS.reason] = d.reason;
  headers[DLQ_HEADERS.message] = d.message.slice(0, MESSAGE_MAX);
  headers[DLQ_HEADERS.topic] = d.topic;
  headers[DLQ_HEADERS.partition] = String(d.partition);
  headers[DLQ_HEADERS.offset] = d.offset;
  headers[DLQ_HEADERS.timestamp] = d.timestamp;
  return { key: d.key, value: d.value, headers };
}

/** The original headers of a dead letter, for a replay: dlq.* removed. */
export function withoutDlqHeaders(headers: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (!k.startsWith('dlq.') && v !== undefined) out[k] = v;
  return out;
}

export interface DlqOrigin {
  reason: string;
  message: string;
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
}

/** Reads the dlq.* headers of a dead letter back; missing headers read as '' / -1. */
export function readDlqHeaders(headers: IHeaders | undefined): DlqOrigin {
  const h = (name: string): string => {
    const v = headers?.[name];
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? '' : first.toString();
  };
  return {
    reason: h(DLQ_HEADERS.reason),
    message: h(DLQ_HEADERS.message),
    topic: h(DLQ_HEADERS.topic),
    partition: h(DLQ_HEADERS.partition) === '' ? -1 : Number(h(DLQ_HEADERS.partition)),
    offset: h(DLQ_HEADERS.offset),
    timestamp: h(DLQ_HEADERS.timestamp) === '' ? -1 : Number(h(DLQ_HEADERS.timestamp)),
  };
}
