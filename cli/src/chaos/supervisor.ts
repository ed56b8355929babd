import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { envWith } from '@fraud/common';
import { repoRoot } from '@fraud/infra';

/**
 * Runs `fraud` service processes like an orchestrator would: a process that dies (killed by
 * the chaos loop, or crashed because the broker went away) is started again.
 */
export interface Supervised {
  name: string;
  child: ChildProcess;
  restarts: number;
  kill(): void;
}

/** `logDir`: each process's stdout and stderr are appended to `<logDir>/<name>.log`, across restarts. */
export function createSupervisor(env: Record<string, string>, log: (s: string) => void, logDir?: string) {
  if (logDir) mkdirSync(logDir, { recursive: true });
  const all: Supervised[] = [];
  let stopping = false;
  const start = (name: string, args: string[], extraEnv: Record<string, string> = {}): Supervised => {
    const s: Supervised = {
      name,
      child: undefined as unknown as ChildProcess,
      restarts: -1,
      kill: () => s.child.kill('SIGKILL'),
    };
    const launch = () => {
      s.restarts++;
      s.child = spawn(process.execPath, [join(repoRoot, 'bin', 'fraud.mjs'), ...args], {
        cwd: repoRoot,
        env: envWith({ ...env, ...extraEnv }),
        stdio: ['ignore', logDir ? 'pipe' : 'ignore', 'pipe'],
      });
      let tail = '';
      s.child.stderr?.on('data', (d: Buffer) => void (tail = (tail + d.toString()).slice(-2000)));
      if (logDir) {
        const file = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
        file.write(`--- start ${s.restarts} at ${new Date().toISOString()}\n`);
        s.child.stdout?.pipe(file, { end: false });
        s.child.stderr?.pipe(file, { end: false });
        s.child.once('close', () => file.end());
      }
      s.child.once('exit', (code, signal) => {
        if (stopping) return;
        if (signal !== 'SIGKILL')
          log(`${name} exited (${code ?? signal}); restarting. Last stderr: ${tail.trim().split('\n').pop() ?? ''}`);
        launch();
      });
    };
    launch();
    all.push(s);
    return s;
  };
  return {
    start,
    all,
    async stop(): Promise<void> {
      stopping = true;
      await Promise.all(
        all.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
              s.child.once('exit', () => resolve());
              s.child.kill('SIGTERM');
              setTimeout(() => s.child.kill('SIGKILL'), 20_000).unref();
            }),
        ),
      );
    },
  };
}
