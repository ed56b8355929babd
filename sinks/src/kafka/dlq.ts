import type { IHeaders, Producer } from 'kafkajs';

/**
 * Dead-letter queue writer. Every record a sink cannot process goes to `transactions.dlq`
 * with its original key, bytes and headers plus the dlq.* headers the scorer uses (so the
 * scorer's `dlq` tools list and replay sink dead letters too): dlq.reason is the code
 * (a FraudError code, or BIGQUERY_<reason> for rows BigQuery refused), dlq.message the
 * sentence, dlq.topic/partition/offset/timestamp where the record was read, dlq.service who
 * dead-lettered it.
 */
import { DLQ_HEADERS } from '@fraud/schemas';

/** The header names are the shared contract in @fraud/schemas (one definition for every writer). */
export { DLQ_HEADERS };

export interface DeadLetterRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Kafka timestamp of the original record (ms, as kafkajs gives it). */
  timestamp: string;
  /** A FraudError code or a backend reason (e.g. a BigQuery insertErrors reason). */
  code: string;
  reason: string;
}

export interface DeadLetter {
  send(records: DeadLetterRecord[]): Promise<void>;
}

export interface DeadLetterDeps {
  producer: Producer;
  topic: string;
  service: string;
  onSent?: (record: DeadLetterRecord) => void;
}

export function createDeadLetter(deps: DeadLetterDeps): DeadLetter {
  return {
    async send(records) {
      if (!records.length) return;
      // acks -1 and awaited: the caller commits the source offsets only after this resolves.
      await deps.producer.send({
        topic: deps.topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key,
          value: r.value,
          headers: {
            ...withoutDlqHeaders(r.headers),
            [DLQ_HEADERS.reason]: r.code,
            [DLQ_HEADERS.message]: r.reason.slice(0, 1000),
            [DLQ_HEADERS.topic]: r.topic,
            [DLQ_HEADERS.partition]: String(r.partition),
            [DLQ_HEADERS.offset]: r.offset,
            [DLQ_HEADERS.timestamp]: r.timestamp,
            [DLQ_HEADERS.service]: deps.service,
          },
        })),
      });
      for (const r of records) deps.onSent?.(r);
    },
  };
}

function withoutDlqHeaders(headers: IHeaders): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith('dlq.') && v !== undefined) out[k] = v;
  return out;
}
