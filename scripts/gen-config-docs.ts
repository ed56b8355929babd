/**
 * Writes docs/configuration.md from the configuration catalogue (npm run docs:config).
 * cli/test/config-catalogue.test.ts fails until it is run after a schema changes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DOC_PATH, configDoc } from '@fraud/cli/config';

const root = fileURLToPath(new URL('..', import.meta.url));
writeFileSync(join(root, CONFIG_DOC_PATH), configDoc());
process.stdout.write(`${CONFIG_DOC_PATH} written\n`);
