import { errorMessage, type Logger } from '@fraud/common';
import { watchConsumerDeath, type CrashEmitter } from '@fraud/kafka';

/**
 * The one shutdown path of every long-running `fraud` service: on SIGTERM or SIGINT, stop
 * once (finish the work in flight, commit, close), then exit 0, or 1 when stopping failed.
 * A repeated signal is logged and ignored (see untilStopSignal), so it cannot cut the stop short.
 */
export function stopOnSignals(service: { stop(): Promise<void> }, logger: Logger, what = 'stopping'): void {
  void untilStopSignal(undefined, undefined, (signal) => logger.info({ signal }, 'already stopping')).then(
    async (signal) => {
      logger.info({ signal }, what);
      try {
        await service.stop();
        process.exit(0);
      } catch (err: unknown) {
        logger.error({ err: errorMessage(err) }, 'stop failed');
        process.exit(1);
      }
    },
  );
}

/**
 * Resolves with the signal's name at the first SIGTERM or SIGINT, keeping the process alive
 * until then (a pending promise alone does not: without this `fraud start` would exit at once,
 * leaving its services running and Ctrl-C stopping nothing). `tick`, if given, runs every
 * `tickMs` meanwhile.
 *
 * Later signals are ignored (`onRepeat` is told), so the caller can finish stopping: the same
 * Ctrl-C reaches a process twice under npm (from the terminal to the whole process group, and
 * forwarded by npm), and `timeout` signals both npm and its group; acting on the second one
 * would kill `fraud start` halfway through stopping its services.
 */
export function untilStopSignal(
  tick?: () => void,
  tickMs = 5_000,
  onRepeat?: (signal: string) => void,
): Promise<string> {
  return new Promise((resolve) => {
    const timer = setInterval(() => tick?.(), tickMs);
    let stopping = false;
    const on = (signal: string) => () => {
      if (stopping) {
        onRepeat?.(signal);
        return;
      }
      stopping = true;
      clearInterval(timer);
      resolve(signal);
    };
    process.on('SIGTERM', on('SIGTERM'));
    process.on('SIGINT', on('SIGINT'));
  });
}

/**
 * When kafkajs gives up on a consumer (a crash it does not restart from, e.g. no group
 * coordinator while the broker restarts), the service would keep running without consuming:
 * stop it and exit 1 instead, so its supervisor (systemd, Kubernetes, `fraud start`, the chaos
 * runner) starts a fresh one.
 */
export function exitOnConsumerDeath(consumer: CrashEmitter, service: { stop(): Promise<void> }, logger: Logger): void {
  watchConsumerDeath(consumer, (err) => exitAfterConsumerDeath(err, service, logger));
}

/** Logs why, stops the service, exits 1 (exitOnConsumerDeath, for services that report the crash themselves). */
export function exitAfterConsumerDeath(err: unknown, service: { stop(): Promise<void> }, logger: Logger): void {
  logger.error(
    { err: errorMessage(err) },
    'the Kafka consumer stopped for good (kafkajs will not restart it): exiting 1 for a supervisor to restart',
  );
  void service
    .stop()
    .catch(() => undefined)
    .finally(() => process.exit(1));
}
