import type { DeadLetter, DlqWriter, LocatedRecord } from '@fraud/kafka';
import { errorMessage, isFraudError } from '@fraud/common';
import type { SinkMetrics } from './sink-metrics.ts';

export interface Decoded<T> {
  value: T;
  raw: LocatedRecord;
}

/** A row the backend refused (e.g. BigQuery insertErrors): it goes to the DLQ with its code and message. */
export interface Rejected {
  index: number;
  code: string;
  message: string;
}

/** What the batch consumer calls for each chunk of one topic-partition. */
export interface TopicHandler {
  topic: string;
  handle(records: LocatedRecord[]): Promise<void>;
}

export interface DecodingHandlerDeps<T> {
  topic: string;
  sink: string;
  decode: (buf: Buffer) => Promise<T>;
  /** Durable write; resolves only when the rows are stored. Returns rows the backend rejected. */
  write: (records: Decoded<T>[]) => Promise<Rejected[] | void>;
  dlq: DlqWriter;
  metrics: SinkMetrics;
  /** Null values on compacted topics are deletions; on data topics they are dead-lettered. */
  skipTombstones?: boolean;
}

/**
 * Decode -> write -> dead-letter. Undecodable records and backend-rejected rows are sent to the
 * DLQ before the handler resolves, so when the caller commits the offsets every record of the
 * chunk is either stored or dead-lettered: none is dropped silently.
 */
export function decodingHandler<T>(deps: DecodingHandlerDeps<T>): TopicHandler {
  return {
    topic: deps.topic,
    async handle(records) {
      const good: Decoded<T>[] = [];
      const bad: DeadLetter[] = [];
      for (const raw of records) {
        if (raw.value === null) {
          if (!deps.skipTombstones) bad.push(dead(raw, 'RECORD_INVALID', 'null value (tombstone) on a data topic'));
          continue;
        }
        try {
          good.push({ value: await deps.decode(raw.value), raw });
        } catch (err: unknown) {
          if (!isFraudError(err)) throw err; // not a bad record: a bug or an outage, let it fail the batch
          bad.push(dead(raw, err.code, errorMessage(err)));
        }
      }
      deps.metrics.consumed.labels(deps.sink, deps.topic).inc(records.length);
      if (good.length) {
        const rejected = (await deps.write(good)) ?? [];
        for (const r of rejected) {
          const rec = good[r.index];
          if (rec) bad.push(dead(rec.raw, r.code, r.message));
        }
      }
      if (bad.length) {
        await deps.dlq.send(bad);
        for (const b of bad) deps.metrics.deadLettered.labels(deps.sink, b.code).inc();
      }
    },
  };
}

function dead(raw: LocatedRecord, code: string, message: string): DeadLetter {
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key,
    value: raw.value,
    headers: raw.headers ?? {},
    timestamp: raw.timestamp,
    code,
    message,
  };
}
