import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';

const LIFECYCLE = join(import.meta.dirname, '..', 'src', 'lifecycle.ts');

/** Runs a module script in a child Node process, capturing stdout and stderr together. */
function runScript(script: string, cwd?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('untilStopSignal (what `fraud start` waits on)', () => {
  it('keeps the process alive until SIGTERM, then resolves with the signal and lets it exit', async () => {
    // After the signal the script takes 2 s to "stop its services"; a second signal meanwhile
    // (npm forwarding the terminal's Ctrl-C, say) must not cut that short.
    const script = [
      `import { untilStopSignal } from ${JSON.stringify(LIFECYCLE)};`,
      `console.log('waiting');`,
      `console.log('stopped by ' + await untilStopSignal(() => console.log('tick'), 50, ` +
        `(s) => console.log('repeat ' + s)));`,
      `await new Promise((r) => setTimeout(r, 2000));`,
      `console.log('services stopped');`,
    ].join('\n');
    const { child, output, exited } = runScript(script);
    // Still running well after it started waiting: the ticks keep coming.
    await waitFor(
      () =>
        output()
          .split('\n')
          .filter((l) => l === 'tick').length >= 3,
      { timeoutMs: 120_000, what: `three ticks while waiting (output: ${output()})` },
    );
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    await waitFor(() => output().includes('stopped by SIGTERM'), {
      timeoutMs: 30_000,
      what: `"stopped by SIGTERM" (output: ${output()})`,
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output()).toContain('repeat SIGINT');
    expect(output()).toContain('services stopped');
  }, 150_000);

  it('stopOnSignals (every service command) finishes its stop despite a second signal, then exits 0', async () => {
    const script = [
      `import { stopOnSignals } from ${JSON.stringify(LIFECYCLE)};`,
      `import { createLogger } from '@fraud/common';`,
      `stopOnSignals({ stop: async () => { await new Promise((r) => setTimeout(r, 2000)); ` +
        `console.log('service stopped'); } }, createLogger('t', 'info'), 'stopping now');`,
      `console.log('serving');`,
    ].join('\n');
    const { child, output, exited } = runScript(script, join(import.meta.dirname, '..'));
    await waitFor(() => output().includes('serving'), { timeoutMs: 120_000, what: `"serving" (output: ${output()})` });
    child.kill('SIGTERM');
    await waitFor(() => output().includes('stopping now'), {
      timeoutMs: 30_000,
      what: `"stopping now" (output: ${output()})`,
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output()).toContain('already stopping');
    expect(output()).toContain('service stopped');
  }, 150_000);
});
