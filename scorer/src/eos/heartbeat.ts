/**
 * Runs `work` while heartbeating the consumer group every `intervalMs`, so a long step inside
 * eachBatch (a partition's state restore) does not outlast the session timeout and get this
 * member evicted. kafkajs sends a heartbeat only when its own interval has passed, so calling
 * it often costs nothing. A failed heartbeat (the group is rebalancing, this member was
 * removed) rejects at once with that error: the result would be for an assignment that is gone.
 * The abandoned `work` still runs to its own end (its readers stop themselves); its outcome is
 * ignored.
 */
export async function whileHeartbeating<T>(
  heartbeat: () => Promise<void>,
  intervalMs: number,
  work: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    let inFlight = false;
    timer = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      heartbeat().then(
        () => (inFlight = false),
        (err: unknown) => reject(err),
      );
    }, intervalMs);
  });
  // A heartbeat still in flight when the work ends may reject after the race: not an error then.
  failed.catch(() => undefined);
  const running = work();
  try {
    return await Promise.race([running, failed]);
  } finally {
    clearInterval(timer);
    running.catch(() => undefined);
  }
}
