import { setTimeout as delay } from 'node:timers/promises';
import type { Label, ModelUpdate, ScoredTransaction } from '@fraud/schemas';
import type { BatchConsumer } from '../kafka/batch-consumer.ts';
import type { Decoded } from '../kafka/decoding-handler.ts';
import { createSinkConsumer, type SinkContext, type SinkDeps } from '../kafka/sink-consumer.ts';
import { LABELS_TABLE, MODEL_VERSIONS_TABLE, SCORED_TABLE, type Row, type TableDef } from './columns.ts';
import { labelRow, modelVersionRow, scoredRow } from './rows.ts';
import type { WarehouseStore } from './store.ts';

export interface WarehouseSinkDeps extends SinkDeps {
  store: WarehouseStore;
  maxChunk?: number;
  /** WAREHOUSE_WRITE_DELAY_MS: an injected wait before each write (slow-warehouse drill); 0 = none. */
  writeDelayMs?: number;
}

/** scored, labels and model-updates -> the warehouse tables, one consumer group. */
export function createWarehouseSink(deps: WarehouseSinkDeps): BatchConsumer {
  return createSinkConsumer(deps, {
    sink: 'warehouse',
    maxChunk: deps.maxChunk,
    handlers: (ctx) => {
      const write = tableWriter(deps, ctx);
      return [
        ctx.handle(
          'scored',
          write<ScoredTransaction>(SCORED_TABLE, (d) =>
            scoredRow(d.value, { partition: d.raw.partition, offset: Number(d.raw.offset) }),
          ),
        ),
        ctx.handle(
          'labels',
          write<Label>(LABELS_TABLE, (d) => labelRow(d.value)),
        ),
        ctx.handle(
          'modelUpdates',
          write<ModelUpdate>(MODEL_VERSIONS_TABLE, (d) => modelVersionRow(d.value)),
          {
            skipTombstones: true,
          },
        ),
      ];
    },
  });
}

/** Rows upserted into one table; what the store refuses goes back to the handler for the DLQ. */
function tableWriter(deps: WarehouseSinkDeps, ctx: SinkContext) {
  return <T>(table: TableDef, toRow: (d: Decoded<T>) => Row) =>
    async (records: Decoded<T>[]) => {
      const rows = records.map(toRow);
      if (deps.writeDelayMs) await delay(deps.writeDelayMs);
      const rejected = await deps.store.upsert(table, rows);
      ctx.metrics.written.labels(ctx.sink, table.name).inc(rows.length - rejected.length);
      return rejected;
    };
}
