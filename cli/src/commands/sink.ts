import type { Command } from 'commander';
import { createLogger, errorMessage, parseEnv } from '@fraud/common';
import { SINK_KINDS, sinkEnvSchema, startSink, type RunningSink, type SinkKind } from '@fraud/sinks';
import { exitOnConsumerDeath, stopOnSignals } from '../lifecycle.ts';
import { envHelp } from '../config/catalogue.ts';

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
    .addHelpText('after', `${envHelp('sinks')}\nSee docs/observability.md.`)
    .action(async (kind: string) => {
      if (kind !== 'all' && !(SINK_KINDS as readonly string[]).includes(kind)) {
        program.error(`unknown sink "${kind}": use one of ${[...SINK_KINDS, 'all'].join(', ')}`);
      }
      const env = parseEnv(sinkEnvSchema);
      const logger = createLogger('fraud-sink', env.LOG_LEVEL);
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
        exitOnConsumerDeath(r.consumer.consumer, { stop: stopAll }, logger);
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
