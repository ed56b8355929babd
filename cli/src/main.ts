import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { errorMessage, isFraudError } from '@fraud/common';

/**
 * The `fraud` CLI. Every file in ./commands exports `register(program)`; adding a command is
 * adding a file, so packages never edit each other's wiring.
 */
export async function buildProgram(): Promise<Command> {
  const program = new Command('fraud')
    .description('Real-time fraud detection on Apache Kafka: run the pipeline, train models, inspect data')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  for (const file of files) {
    let mod: { register?: (p: Command) => void };
    try {
      mod = (await import(join(dir, file))) as typeof mod;
    } catch (err: unknown) {
      // One broken command must not take the others down: say which, and go on.
      process.stderr.write(`fraud: command module ${file} failed to load: ${errorMessage(err)}\n`);
      continue;
    }
    if (typeof mod.register !== 'function') throw new Error(`cli command module ${file} exports no register()`);
    mod.register(program);
  }
  return program;
}

async function main(): Promise<void> {
  // `fraud ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const program = await buildProgram();
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  const code = isFraudError(err) ? ` [${err.code}]` : '';
  process.stderr.write(`fraud: ${errorMessage(err)}${code}\n`);
  if (process.env.FRAUD_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
  process.exit(1);
});
