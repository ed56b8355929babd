#!/usr/bin/env node
// Entry point of the `fraud` CLI: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

register();
const root = dirname(dirname(fileURLToPath(import.meta.url)));
await import(pathToFileURL(join(root, 'cli', 'src', 'main.ts')).href);
