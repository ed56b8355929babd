import { errorMessage, type Logger } from '@fraud/common';

/**
 * The one shutdown path of every long-running `fraud` service: on SIGTERM or SIGINT, stop
 * once (finish the work in flight, commit, close), then exit 0, or 1 when stopping failed.
 */
export function stopOnSignals(service: { stop(): Promise<void> }, logger: Logger, what = 'stopping'): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, what);
    try {
      await service.stop();
      process.exit(0);
    } catch (err: unknown) {
      logger.error({ err: errorMessage(err) }, 'stop failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
