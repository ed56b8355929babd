import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Browser tests of the console: Chromium (playwright-core) against the built console, the real
 * broker, the schema registry and the real sinks. Run with
 *   npx vitest run --config web/vitest.browser.config.ts
 * One worker: the tests share one console server and one browser per file.
 */
const root = resolve(import.meta.dirname, '..');
export default defineConfig({
  test: {
    root,
    include: ['web/test/browser/**/*.test.ts'],
    globalSetup: ['./scripts/test-global-setup.ts', './web/test/browser/build-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 240_000,
    maxWorkers: 1,
    pool: 'forks',
    reporters: ['default'],
  },
});
