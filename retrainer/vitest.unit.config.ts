import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Unit tests of the retrainer that need no broker (store, policy, decisions): run with
 * `npx vitest run -c retrainer/vitest.unit.config.ts`. The integration tests use the root config.
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['retrainer/test/**/*.unit.test.ts'],
    testTimeout: 60_000,
    maxWorkers: 1,
    pool: 'forks',
  },
});
