import { errorMessage, isFraudError } from '@fraud/common';
import { buildProgram } from './program.ts';
import { parseCliEnv } from './config/env.ts';

async function main(): Promise<void> {
  // `fraud ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { program, loadErrors } = await buildProgram(process.argv);
  // One broken command must not take the others down: say which, and go on.
  for (const e of loadErrors) process.stderr.write(`fraud: command module ${e.file} failed to load: ${e.message}\n`);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  const code = isFraudError(err) ? ` [${err.code}]` : '';
  process.stderr.write(`fraud: ${errorMessage(err)}${code}\n`);
  if (parseCliEnv().FRAUD_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
  process.exit(1);
});
