import { defineConfig } from 'vitest/config';

/**
 * One run for the whole monorepo. The global setup starts the real local stack (Kafka and the
 * schema registry) once; every test names its own topics and groups.
 */
export default defineConfig({
  test: {
    include: ['*/test/**/*.test.ts', 'web/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'web/test/browser/**'],
    globalSetup: ['./scripts/test-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default'],
  },
});
