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
 * Which module of ./commands registers each top-level command. With it, `fraud infra status`
 * imports the infra module only (each module pulls in its package, so loading all costs seconds);
 * `fraud --help`, a bare `fraud` or an unknown word load them all. cli/test/cli.test.ts checks
 * this table against what every module really registers.
 */
export const COMMAND_MODULES: Readonly<Record<string, string>> = {
  api: 'api.ts',
  backtest: 'backtest.ts',
  bench: 'bench.ts',
  chaos: 'chaos.ts',
  dlq: 'dlq.ts',
  infra: 'infra.ts',
  model: 'model.ts',
  models: 'models.ts',
  registry: 'registry.ts',
  replay: 'replay.ts',
  retrainer: 'retrainer.ts',
  rules: 'rules.ts',
  schemas: 'schemas.ts',
  scorer: 'score.ts',
  simulate: 'simulate.ts',
  sink: 'sink.ts',
  start: 'start.ts',
  versions: 'version.ts',
  web: 'web.ts',
  users: 'web.ts',
};

/**
 * The `fraud` CLI. Every file in ./commands exports `register(program)`; adding a command is
 * adding a file (and a line in COMMAND_MODULES), so packages never edit each other's wiring.
 * `argv` (process.argv): when its command word is known, only that module is loaded.
 */
export async function buildProgram(argv?: readonly string[]): Promise<BuiltProgram> {
  const program = new Command('fraud')
    .description('Real-time fraud detection on Apache Kafka: run the pipeline, train models, inspect data')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const word = argv?.[2];
  const only = word !== undefined ? COMMAND_MODULES[word] : undefined;
  const files =
    only !== undefined
      ? [only]
      : readdirSync(dir)
          .filter((f) => f.endsWith('.ts'))
          .sort();
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
