import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FraudError, envWith, waitFor } from '@fraud/common';
import { isAlive, pidFileText, pidFromFile } from './pidfile.ts';
import { repoRoot } from './paths.ts';

/**
 * Background services of the local runtime (registry, scorer, sinks, web...): one detached
 * process each, a pid file and a log file under the data folder. Readiness is a caller-given
 * check (an HTTP probe), never a sleep.
 */
export interface ServiceSpec {
  name: string;
  /** Arguments to `node bin/fraud.mjs`, or a full command with `command`. */
  args: string[];
  command?: string;
  env?: Record<string, string>;
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export function servicePidFile(dataDir: string, name: string): string {
  return join(dataDir, 'run', `${name}.pid`);
}

export function serviceLogFile(dataDir: string, name: string): string {
  return join(dataDir, 'logs', `${name}.log`);
}

export function servicePid(dataDir: string, name: string): number | undefined {
  // the pid file's second line says what the command line holds (bin/fraud.mjs or the command)
  return pidFromFile(servicePidFile(dataDir, name), 'fraud.mjs');
}

export async function startService(
  dataDir: string,
  spec: ServiceSpec,
): Promise<{ pid: number; alreadyRunning: boolean }> {
  const running = servicePid(dataDir, spec.name);
  if (running) return { pid: running, alreadyRunning: true };
  mkdirSync(join(dataDir, 'run'), { recursive: true });
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const out = openSync(serviceLogFile(dataDir, spec.name), 'a');
  const command = spec.command ?? process.execPath;
  const args = spec.command ? spec.args : [join(repoRoot, 'bin', 'fraud.mjs'), ...spec.args];
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: envWith(spec.env),
    cwd: repoRoot,
  });
  child.unref();
  if (!child.pid) throw new FraudError('INTERNAL', `could not start ${spec.name}`);
  writeFileSync(servicePidFile(dataDir, spec.name), pidFileText(child.pid, spec.command ?? 'fraud.mjs'));
  if (spec.ready) {
    const pid = child.pid;
    await waitFor(
      async () => {
        if (!isAlive(pid))
          throw new FraudError(
            'INTERNAL',
            `${spec.name} exited during start-up; see ${serviceLogFile(dataDir, spec.name)}`,
          );
        return spec.ready!();
      },
      {
        timeoutMs: spec.readyTimeoutMs ?? 60_000,
        intervalMs: 200,
        what: `${spec.name} to be ready (log: ${serviceLogFile(dataDir, spec.name)})`,
      },
    );
  }
  return { pid: child.pid, alreadyRunning: false };
}

export async function stopService(dataDir: string, name: string, graceMs = 15_000): Promise<boolean> {
  const pid = servicePid(dataDir, name);
  rmSync(servicePidFile(dataDir, name), { force: true, recursive: false });
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(() => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 100, what: `${name} to exit` });
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  return true;
}

/** HTTP readiness probe: true when GET url answers 2xx. */
export function httpReady(url: string, alsoReady: readonly number[] = []): () => Promise<boolean> {
  return async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return res.ok || alsoReady.includes(res.status);
    } catch {
      return false; // not listening yet: the caller polls again until its deadline
    }
  };
}
