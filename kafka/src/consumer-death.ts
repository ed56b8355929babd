/** The part of a kafkajs consumer watchConsumerDeath listens to (a kafkajs Consumer, or a test's fake). */
export interface CrashEmitter {
  on(event: 'consumer.crash', listener: (e: { payload: { error: unknown; restart: boolean } }) => void): unknown;
  events: { CRASH: 'consumer.crash' };
}

/**
 * Calls `onDeath` once when kafkajs gives up on the consumer (a crash it does not restart from,
 * e.g. no group coordinator while the broker restarts); crashes it restarts from are not deaths.
 * Returns whether the consumer has died: a long-lived process without it would go on running
 * without reading, so it exits or reports unhealthy instead.
 */
export function watchConsumerDeath(
  consumer: CrashEmitter,
  onDeath: (error: unknown) => void = () => {},
): () => boolean {
  let dead = false;
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart || dead) return;
    dead = true;
    onDeath(e.payload.error);
  });
  return () => dead;
}
