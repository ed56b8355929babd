import type { Command } from 'commander';
import { createLogger } from '@fraud/common';
import { loadProducerEnv, openPublishing, type Publishing } from '@fraud/producers';
import { portArg, positiveInt } from './args.ts';

export interface PublishingFlags {
  metricsPort?: number;
  batchSize?: number;
}

/** The options of every command that publishes transactions (simulate, replay). */
export function publishingOptions(command: Command): Command {
  return command
    .option(
      '--metrics-port <port>',
      'Prometheus /metrics port (default PRODUCER_METRICS_PORT or 9464; 0 = any)',
      portArg,
    )
    .option('--batch-size <n>', 'messages per produce request', positiveInt('--batch-size'));
}

/** ", metrics http://127.0.0.1:<port>/metrics" when the command serves /metrics. */
export function metricsNote(pub: Publishing): string {
  return pub.metricsPort !== undefined ? `, metrics http://127.0.0.1:${pub.metricsPort}/metrics` : '';
}

/**
 * Runs a publishing command `name`: connects (producer env, schemas, topics, /metrics), hands
 * `run` a signal that the first SIGINT/SIGTERM aborts (the command stops and flushes what was
 * accepted; a second one quits at once), and closes the connection however `run` ends.
 */
export async function runPublishing(
  name: string,
  flags: PublishingFlags,
  run: (pub: Publishing, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const env = loadProducerEnv();
  const pub = await openPublishing({
    env,
    clientId: `fraud-${name}`,
    logger: createLogger(name, env.LOG_LEVEL),
    metricsPort: flags.metricsPort,
    batchSize: flags.batchSize,
  });
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${name}: stopping, flushing what was accepted (again to force quit)\n`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await run(pub, controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await pub.close();
  }
}
