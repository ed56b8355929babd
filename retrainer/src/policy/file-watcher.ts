import { readFile, stat } from 'node:fs/promises';
import { errorMessage, type Logger } from '@fraud/common';
import type { PolicyManager, PolicyResult } from './manager.ts';
import { parsePolicyText } from './schema.ts';

/**
 * Watches RETRAIN_POLICY_FILE (JSON or YAML) by polling its mtime and size: polling works on
 * every filesystem and editor (atomic renames, bind mounts) where fs.watch events do not.
 * Each change is one edit through the manager; a bad file is refused and the policy stays.
 */
export interface PolicyFileWatcher {
  /** Reads the file now (start-up); resolves with the result of applying it, or null if absent. */
  load(): Promise<PolicyResult | null>;
  start(): void;
  stop(): void;
}

export function watchPolicyFile(deps: {
  path: string;
  manager: PolicyManager;
  logger: Logger;
  intervalMs?: number;
  actor?: string;
}): PolicyFileWatcher {
  let lastSig = '';
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const check = async (force: boolean): Promise<PolicyResult | null> => {
    let sig: string;
    try {
      const s = await stat(deps.path);
      sig = `${s.mtimeMs}:${s.size}`;
    } catch {
      return null;
    }
    if (!force && sig === lastSig) return null;
    lastSig = sig;
    let policy: unknown;
    try {
      policy = parsePolicyText(await readFile(deps.path, 'utf8'), deps.path);
    } catch (err: unknown) {
      // Goes through the manager anyway so the refusal is audited like any other.
      return deps.manager.apply({
        source: 'file',
        actor: deps.actor ?? `file:${deps.path}`,
        policy: null,
        parseError: errorMessage(err),
      });
    }
    return deps.manager.apply({ source: 'file', actor: deps.actor ?? `file:${deps.path}`, policy });
  };
  return {
    load: () => check(true),
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        check(false)
          .catch((err: unknown) => deps.logger.error({ err: errorMessage(err) }, 'policy file check failed'))
          .finally(() => {
            busy = false;
          });
      }, deps.intervalMs ?? 500);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
