import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_NAMES, type RecordName } from '../src/avro.ts';

/** The .avsc files, the source of truth the generated modules are made from. */
export function avroDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'avro');
}

export function readAvscFiles(dir = avroDir()): Record<RecordName, unknown> {
  const read = (name: RecordName): unknown => JSON.parse(readFileSync(join(dir, `${name}.avsc`), 'utf8')) as unknown;
  return Object.fromEntries(RECORD_NAMES.map((n) => [n, read(n)])) as Record<RecordName, unknown>;
}
