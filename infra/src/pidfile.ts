import { existsSync, readFileSync } from 'node:fs';

/** Is a process with this pid alive (signal 0 reaches it)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process, which is the answer we were asking for
  }
}

/** The process's command line (arguments joined by spaces), or undefined where /proc cannot tell. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** A pid file's text: the pid, and on a second line what its command line contains. */
export function pidFileText(pid: number, marker: string): string {
  return `${pid}\n${marker}\n`;
}

/**
 * The pid a pid file names, when that process is alive AND its command line contains the marker
 * (the file's second line, else `marker`).
 * A pid file left by a machine that rebooted (or a process that died without removing it) names
 * a pid the kernel may have given to an unrelated process since: without the command-line check
 * the stack would take that process for the registry, report "already running" and later
 * SIGTERM it. Where /proc is absent the liveness check alone decides.
 */
export function pidFromFile(file: string, marker: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const [first = '', second = ''] = readFileSync(file, 'utf8').split('\n');
  const pid = Number(first.trim());
  const expected = second.trim() || marker;
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmd = commandLine(pid);
  return cmd === undefined || cmd.includes(expected) ? pid : undefined;
}
