/**
 * The dead-letter contract on `transactions.dlq`: the original key, bytes and headers, plus
 * these headers saying why and where from. Every service that dead-letters (scorer, sinks)
 * writes them and `fraud dlq inspect|replay` reads them. `dlq.reason` is a FraudError code (or
 * a backend reason such as BIGQUERY_<reason>), `dlq.message` the human sentence.
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
