#!/usr/bin/env node
// Entry point of the `fraud` CLI: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// kafkajs prints a migration notice about its v2 partitioner on every producer; we use the
// default (murmur2, Java-compatible) partitioner on purpose, and the feature module relies on it.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
register();
const root = dirname(dirname(fileURLToPath(import.meta.url)));
await import(pathToFileURL(join(root, 'cli', 'src', 'main.ts')).href);
