import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { exitOnConsumerDeath } from '../src/lifecycle.ts';

/** A stand-in for a kafkajs consumer's crash events (the real one needs a crash it will not restart from). */
function crashEmitter() {
  const e = new EventEmitter();
  return {
    on: (event: 'consumer.crash', l: (x: { payload: { error: unknown; restart: boolean } }) => void) => e.on(event, l),
    events: { CRASH: 'consumer.crash' as const },
    crash: (restart: boolean) =>
      e.emit('consumer.crash', { payload: { error: new Error('coordinator gone'), restart } }),
  };
}

describe('a service whose Kafka consumer died for good', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stops and exits 1 when kafkajs will not restart the consumer, and does nothing when it will', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const consumer = crashEmitter();
    let stopped = 0;
    exitOnConsumerDeath(consumer, { stop: async () => void stopped++ }, createLogger('t', 'silent'));
    consumer.crash(true);
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(0);
    expect(exit).not.toHaveBeenCalled();
    consumer.crash(false);
    await waitFor(() => exit.mock.calls.length > 0, { timeoutMs: 5_000, what: 'process.exit' });
    expect(stopped).toBe(1);
    expect(exit).toHaveBeenCalledWith(1);
  });
});
