import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { errorMessage } from '@fraud/common';

export interface BuiltProgram {
  program: Command;
  /** Command modules that failed to import (file and message); the others still work. */
  loadErrors: Array<{ file: string; message: string }>;
}

/**
 * The `fraud` CLI. Every file in ./commands exports `register(program)`; adding a command is
 * adding a file, so packages never edit each other's wiring.
 */
export async function buildProgram(): Promise<BuiltProgram> {
  const program = new Command('fraud')
    .description('Real-time fraud detection on Apache Kafka: run the pipeline, train models, inspect data')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const loadErrors: BuiltProgram['loadErrors'] = [];
  for (const file of files) {
    let mod: { register?: (p: Command) => void };
    try {
      mod = (await import(join(dir, file))) as typeof mod;
    } catch (err: unknown) {
      loadErrors.push({ file, message: errorMessage(err) });
      continue;
    }
    if (typeof mod.register !== 'function') throw new Error(`cli command module ${file} exports no register()`);
    mod.register(program);
  }
  return { program, loadErrors };
}
