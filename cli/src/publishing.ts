import { InvalidArgumentError, type Command } from 'commander';
import { createLogger, errorMessage } from '@fraud/common';
import { loadProducerEnv, openPublishing, type Publishing } from '@fraud/producers';

/** Argument parsers: a bad value stops the command with the option's message before anything runs. */
export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

export function portArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('a port is 0-65535 (0 = any free port)');
  return n;
}

export function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a fraction between 0 and 1');
  return n;
}

/** A parser that throws (parseDuration, parseSpeed, ...) as an argument parser. */
export function argParser<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (err: unknown) {
      throw new InvalidArgumentError(errorMessage(err));
    }
  };
}

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
