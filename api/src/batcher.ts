/**
 * Natural batching for request-driven sends: kafkajs has no linger, so one send per request
 * costs a broker round trip each. Here the first item goes out at once; items arriving while a
 * send is in flight wait for it and go out together in the next one (up to `maxBatch`).
 * Low latency when idle, large batches under load, never more than `maxInFlight` sends.
 */
export interface Batcher<T> {
  add(item: T): Promise<void>;
}

export function createBatcher<T>(
  send: (items: T[]) => Promise<void>,
  opts: { maxBatch: number; maxInFlight: number },
): Batcher<T> {
  let queue: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  let inFlight = 0;
  const pump = () => {
    while (inFlight < opts.maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, opts.maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      send(batch.map((b) => b.item))
        .then(
          () => batch.forEach((b) => b.resolve()),
          (err: unknown) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  };
  return {
    add(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
  };
}
