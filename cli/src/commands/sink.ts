import type { Command } from 'commander';
import { createLogger, errorMessage, parseEnv } from '@fraud/common';
import { SINK_KINDS, sinkEnvSchema, startSink, type RunningSink, type SinkKind } from '@fraud/sinks';
import { stopOnSignals } from '../lifecycle.ts';

/**
 * `fraud sink warehouse|metrics|live|all`: runs sinks in this process until SIGTERM/SIGINT,
 * then finishes the batch in flight, commits, closes the warehouse, and exits 0.
 */
export function register(program: Command): void {
  program
    .command('sink')
    .description(
      'run a sink: warehouse (DuckDB/BigQuery + query API), metrics (Prometheus), live (Socket.io feed), or all three',
    )
    .argument('<kind>', `one of ${[...SINK_KINDS, 'all'].join(', ')}`)
    .addHelpText(
      'after',
      `
Environment (defaults): KAFKA_BROKERS (127.0.0.1:9092), SCHEMA_REGISTRY_URL (http://127.0.0.1:8081), TOPIC_PREFIX ('')
  warehouse: WAREHOUSE_PATH (.data/warehouse.duckdb), WAREHOUSE_PORT (9472), WAREHOUSE_BATCH_ROWS (5000),
             BIGQUERY_PROJECT + BIGQUERY_DATASET (use BigQuery instead of DuckDB), BIGQUERY_LOCATION
  metrics:   METRICS_PORT (9471), METRICS_WINDOW_SECONDS (3600), METRICS_JOIN_CACHE_SIZE, LAG_GROUPS, LAG_INTERVAL_MS
  live:      LIVE_PORT (9473), LIVE_FEED_SECRET (auth on when set), LIVE_APPROVE_SAMPLE_RATE (0.01), LIVE_CORS_ORIGINS
See docs/observability.md.`,
    )
    .action(async (kind: string) => {
      if (kind !== 'all' && !(SINK_KINDS as readonly string[]).includes(kind)) {
        program.error(`unknown sink "${kind}": use one of ${[...SINK_KINDS, 'all'].join(', ')}`);
      }
      const env = parseEnv(sinkEnvSchema);
      const logger = createLogger('fraud-sink');
      const kinds: SinkKind[] = kind === 'all' ? [...SINK_KINDS] : [kind as SinkKind];
      const running: RunningSink[] = [];
      const stopAll = async (): Promise<void> => {
        const results = await Promise.allSettled(running.map((r) => r.stop()));
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        for (const f of failed) logger.error({ err: errorMessage(f.reason) }, 'a sink did not stop cleanly');
        if (failed.length) throw new Error(`${failed.length} of ${running.length} sinks did not stop cleanly`);
      };
      stopOnSignals({ stop: stopAll }, logger, 'shutting down sinks');
      for (const k of kinds) {
        const r = await startSink(k, { env, logger });
        running.push(r);
        const what =
          k === 'warehouse'
            ? `query API ${r.url}/api/questions`
            : k === 'live'
              ? `Socket.io feed ${r.url}`
              : `metrics ${r.url}/metrics`;
        process.stdout.write(`sink ${k}: ${what} (health ${r.url}/health, metrics ${r.url}/metrics)\n`);
      }
    });
}
