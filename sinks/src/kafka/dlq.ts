import type { Producer } from 'kafkajs';

/**
 * Dead-letter queue writer. Every record a sink cannot process goes to `transactions.dlq`
 * with its original key and bytes and these headers, so it can be inspected and replayed.
 * Header names are shared with the scorer (docs/observability.md).
 */
export const DLQ_HEADERS = {
  code: 'dlq.reason.code',
  reason: 'dlq.reason',
  topic: 'dlq.original.topic',
  partition: 'dlq.original.partition',
  offset: 'dlq.original.offset',
  service: 'dlq.service',
  at: 'dlq.at',
} as const;

export interface DeadLetterRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
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
  now?: () => number;
}

export function createDeadLetter(deps: DeadLetterDeps): DeadLetter {
  const now = deps.now ?? Date.now;
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
            [DLQ_HEADERS.code]: r.code,
            [DLQ_HEADERS.reason]: r.reason.slice(0, 1000),
            [DLQ_HEADERS.topic]: r.topic,
            [DLQ_HEADERS.partition]: String(r.partition),
            [DLQ_HEADERS.offset]: r.offset,
            [DLQ_HEADERS.service]: deps.service,
            [DLQ_HEADERS.at]: String(now()),
          },
        })),
      });
      for (const r of records) deps.onSent?.(r);
    },
  };
}
