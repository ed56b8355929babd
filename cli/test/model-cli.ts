import { Command } from 'commander';
import { vi } from 'vitest';
import { register } from '../src/commands/model.ts';

/** Runs `fraud model ...` in this process (fast); errors come back as code 1 with the message. */
export async function fraud(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const program = new Command('fraud').exitOverride();
  let stdout = '';
  let stderr = '';
  const out = { writeOut: (s: string) => (stdout += s), writeErr: (s: string) => (stderr += s) };
  program.configureOutput(out);
  register(program);
  for (const c of program.commands.flatMap((c) => [c, ...c.commands])) c.exitOverride().configureOutput(out);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'fraud', ...args]);
    return { stdout, stderr, code: 0 };
  } catch (err: unknown) {
    const e = err as { code?: string; message?: string };
    return { stdout, stderr: `${stderr}${e.message ?? String(err)} [${e.code ?? ''}]`, code: 1 };
  } finally {
    spy.mockRestore();
  }
}
