import type { IHeaders, Producer } from 'kafkajs';
import { firstHeader } from './records.ts';

/**
 * The dead-letter contract on `transactions.dlq`. A dead letter is the ORIGINAL key, bytes and
 * headers of a record nobody could process, plus dlq.* headers saying why and where from:
 *
 *   dlq.reason     the code: a FraudError code (DECODE_WRONG_MAGIC, RECORD_INVALID, ...) or a
 *                  backend code such as BIGQUERY_<reason>. In code this field is `code`; the
 *                  header keeps its name so every record ever written still reads the same.
 *   dlq.message    the human sentence (at most 1,000 characters)
 *   dlq.topic, dlq.partition, dlq.offset, dlq.timestamp   where the original record was read
 *   dlq.service    who dead-lettered it (scorer, sink-warehouse, ...)
 *
 * Every writer (scorer, sinks) uses createDlqWriter or toDlqMessage, and `fraud dlq inspect|replay`
 * reads with fromDlqMessage.
 */
export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  message: 'dlq.message',
  topic: 'dlq.topic',
  partition: 'dlq.partition',
  offset: 'dlq.offset',
  timestamp: 'dlq.timestamp',
  service: 'dlq.service',
} as const;

export interface DeadLetter {
  /** A FraudError code or a backend code; written as the dlq.reason header. */
  code: string;
  message: string;
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp of the original record (ms, as a string like kafkajs gives it). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The original record's headers (dlq.* headers are never part of them). */
  headers: IHeaders;
}

/** A dead letter read back: `service` is '' and `partition` -1 when the header is missing. */
export interface ReceivedDeadLetter extends DeadLetter {
  service: string;
}

export interface DlqMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

const MESSAGE_MAX = 1_000;

export function toDlqMessage(d: DeadLetter, service: string): DlqMessage {
  return {
    key: d.key,
    value: d.value,
    headers: {
      ...withoutDlqHeaders(d.headers),
      [DLQ_HEADERS.reason]: d.code,
      [DLQ_HEADERS.message]: d.message.slice(0, MESSAGE_MAX),
      [DLQ_HEADERS.topic]: d.topic,
      [DLQ_HEADERS.partition]: String(d.partition),
      [DLQ_HEADERS.offset]: d.offset,
      [DLQ_HEADERS.timestamp]: d.timestamp,
      [DLQ_HEADERS.service]: service,
    },
  };
}

export function fromDlqMessage(message: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}): ReceivedDeadLetter {
  const h = (name: string): string => firstHeader(message.headers, name)?.toString() ?? '';
  const partition = h(DLQ_HEADERS.partition);
  return {
    code: h(DLQ_HEADERS.reason),
    message: h(DLQ_HEADERS.message),
    topic: h(DLQ_HEADERS.topic),
    partition: partition === '' ? -1 : Number(partition),
    offset: h(DLQ_HEADERS.offset),
    timestamp: h(DLQ_HEADERS.timestamp),
    service: h(DLQ_HEADERS.service),
    key: message.key,
    value: message.value,
    headers: withoutDlqHeaders(message.headers),
  };
}

/** The original headers of a dead letter, for a replay: dlq.* removed. */
export function withoutDlqHeaders(headers: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (!k.startsWith('dlq.') && v !== undefined) out[k] = v;
  return out;
}

export interface DlqWriter {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(letters: readonly DeadLetter[]): Promise<void>;
}

export interface DlqWriterDeps {
  producer: Producer;
  topic: string;
  service: string;
  onSent?: (letter: DeadLetter) => void;
}

export function createDlqWriter(deps: DlqWriterDeps): DlqWriter {
  return {
    async send(letters) {
      if (!letters.length) return;
      // acks -1 and awaited: the caller commits the source offsets only after this resolves.
      await deps.producer.send({
        topic: deps.topic,
        acks: -1,
        messages: letters.map((d) => toDlqMessage(d, deps.service)),
      });
      for (const d of letters) deps.onSent?.(d);
    },
  };
}
