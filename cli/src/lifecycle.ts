import { errorMessage, type Logger } from '@fraud/common';

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
