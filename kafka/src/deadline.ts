import { FraudError } from '@fraud/common';

/**
 * Settles like `work`, or rejects with a retriable FraudError('TIMEOUT') once `ms` have passed
 * first. The timer is cleared either way, so a settled race never keeps the process alive.
 * `what` completes the sentence "... took more than N ms".
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FraudError('TIMEOUT', `${what} took more than ${ms} ms`, { retriable: true })),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
