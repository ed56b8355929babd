import { Counter, Histogram, type Registry } from 'prom-client';

/** Technical metrics every sink exposes (labelled by sink), for the technical board. */
export interface SinkMetrics {
  consumed: Counter<'sink' | 'topic'>;
  written: Counter<'sink' | 'table'>;
  deadLettered: Counter<'sink' | 'code'>;
  errors: Counter<'sink' | 'stage'>;
  batchSeconds: Histogram<'sink'>;
  batchSize: Histogram<'sink'>;
}

export function createSinkMetrics(registry: Registry, sink: string): SinkMetrics {
  const m: SinkMetrics = {
    consumed: new Counter({
      name: 'fraud_sink_consumed_total',
      help: 'Records read from Kafka by a sink',
      labelNames: ['sink', 'topic'],
      registers: [registry],
    }),
    written: new Counter({
      name: 'fraud_sink_written_total',
      help: 'Rows durably written by a sink',
      labelNames: ['sink', 'table'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'fraud_sink_dead_lettered_total',
      help: 'Records sent to the DLQ by a sink, by reason code',
      labelNames: ['sink', 'code'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'fraud_sink_errors_total',
      help: 'Failed batch attempts (retried or fatal)',
      labelNames: ['sink', 'stage'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'fraud_sink_batch_seconds',
      help: 'Time to decode, write and commit one batch',
      labelNames: ['sink'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'fraud_sink_batch_size',
      help: 'Records per written batch',
      labelNames: ['sink'],
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers: [registry],
    }),
  };
  // Zero-valued series so dashboards show 0 rather than "no data" before the first error.
  m.errors.labels(sink, 'write').inc(0);
  m.deadLettered.labels(sink, 'DECODE_FAILED').inc(0);
  return m;
}
