import { setTimeout as delay } from 'node:timers/promises';
import { createDlqWriter, type Kafka, type Producer } from '@fraud/kafka';
import type { Registry } from 'prom-client';
import type { Logger } from '@fraud/common';
import type { Label, ModelUpdate, ScoredTransaction, Topics } from '@fraud/schemas';
import type { SinkCodecs } from '../codecs.ts';
import { createBatchConsumer, type BatchConsumer } from '../kafka/batch-consumer.ts';
import { decodingHandler, type Decoded } from '../kafka/decoding-handler.ts';
import { createSinkMetrics } from '../kafka/sink-metrics.ts';
import { LABELS_TABLE, MODEL_VERSIONS_TABLE, SCORED_TABLE, type Row, type TableDef } from './columns.ts';
import { labelRow, modelVersionRow, scoredRow } from './rows.ts';
import type { WarehouseStore } from './store.ts';

export interface WarehouseSinkDeps {
  kafka: Kafka;
  producer: Producer;
  codecs: SinkCodecs;
  topics: Topics;
  groupId: string;
  store: WarehouseStore;
  registry: Registry;
  logger: Logger;
  sessionTimeoutMs?: number;
  maxChunk?: number;
  /** WAREHOUSE_WRITE_DELAY_MS: an injected wait before each write (slow-warehouse drill); 0 = none. */
  writeDelayMs?: number;
}

/** scored, labels and model-updates -> the warehouse tables, one consumer group. */
export function createWarehouseSink(deps: WarehouseSinkDeps): BatchConsumer {
  const sink = 'warehouse';
  const metrics = createSinkMetrics(deps.registry, sink);
  const dlq = createDlqWriter({ producer: deps.producer, topic: deps.topics.dlq, service: `sink-${sink}` });
  const writer =
    <T>(table: TableDef, toRow: (d: Decoded<T>) => Row) =>
    async (records: Decoded<T>[]) => {
      const rows = records.map(toRow);
      if (deps.writeDelayMs) await delay(deps.writeDelayMs);
      const rejected = await deps.store.upsert(table, rows);
      metrics.written.labels(sink, table.name).inc(rows.length - rejected.length);
      return rejected;
    };
  return createBatchConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    sink,
    logger: deps.logger,
    metrics,
    maxChunk: deps.maxChunk,
    handlers: [
      decodingHandler({
        topic: deps.topics.scored,
        sink,
        dlq,
        metrics,
        decode: (b) => deps.codecs.scored.decode(b),
        write: writer<ScoredTransaction>(SCORED_TABLE, (d) =>
          scoredRow(d.value, { partition: d.raw.partition, offset: Number(d.raw.offset) }),
        ),
      }),
      decodingHandler({
        topic: deps.topics.labels,
        sink,
        dlq,
        metrics,
        decode: (b) => deps.codecs.label.decode(b),
        write: writer<Label>(LABELS_TABLE, (d) => labelRow(d.value)),
      }),
      decodingHandler({
        topic: deps.topics.modelUpdates,
        sink,
        dlq,
        metrics,
        skipTombstones: true,
        decode: (b) => deps.codecs.modelUpdate.decode(b),
        write: writer<ModelUpdate>(MODEL_VERSIONS_TABLE, (d) => modelVersionRow(d.value)),
      }),
    ],
  });
}
