import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Test helpers shared by every package: seeded randomness, free ports, unique names, the PaySim
 * fixtures. The Kafka helpers (testKafka, testTopics) live in @fraud/kafka/testing.
 */

export { seededRandom } from './random.ts';

/** A TCP port free on 127.0.0.1 right now (the OS picks it), for a server a test is about to start. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The real PaySim rows committed under fixtures/paysim (CC BY-SA 4.0; attribution in its README).
 * Tests and benchmarks read them from here, never from outside the repository.
 */
export const PAYSIM_FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/paysim', import.meta.url));

export function paysimFixture(
  file: 'paysim-head-5330.csv' | 'paysim-blocks-12651.csv' | 'paysim-steps1-119-sample.csv',
): string {
  return join(PAYSIM_FIXTURES_DIR, file);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
