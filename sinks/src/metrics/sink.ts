import type { BatchConsumer } from '../kafka/batch-consumer.ts';
import { createSinkConsumer, type SinkDeps } from '../kafka/sink-consumer.ts';
import { createBusinessMetrics } from './business-metrics.ts';

export interface MetricsSinkDeps extends SinkDeps {
  windowMs: number;
  joinCacheSize: number;
}

/**
 * scored + labels -> Prometheus business metrics. The "write" is an in-memory update, so the
 * offsets are committed right after it; on restart the counters start again from zero (which
 * Prometheus' rate() handles as a counter reset) and the join cache refills as decisions flow.
 */
export function createMetricsSink(deps: MetricsSinkDeps): BatchConsumer {
  const business = createBusinessMetrics({
    registry: deps.registry,
    windowMs: deps.windowMs,
    joinCacheSize: deps.joinCacheSize,
  });
  return createSinkConsumer(deps, {
    sink: 'metrics',
    concurrency: 6,
    handlers: (ctx) => [
      ctx.handle('scored', async (records) => {
        for (const r of records) business.onScored(r.value);
        ctx.metrics.written.labels(ctx.sink, 'scored').inc(records.length);
      }),
      ctx.handle('labels', async (records) => {
        for (const r of records) business.onLabel(r.value);
        ctx.metrics.written.labels(ctx.sink, 'labels').inc(records.length);
      }),
    ],
  });
}
