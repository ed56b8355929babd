import type { ChildProcess } from 'node:child_process';

/** SIGKILLs a `fraud scorer` child and resolves once it has exited (at once if it already had). */
export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * One sample of a scorer's /metrics on `port`: the first series of `name` whose labels contain
 * `labels` (any series when empty); 0 when there is none yet.
 */
export async function metricValue(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const series = labels ? `\\{[^}]*${labels}[^}]*\\}` : '(?:\\{[^}]*\\})?';
  const m = new RegExp(`^${name}${series} (\\d+(?:\\.\\d+)?)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
