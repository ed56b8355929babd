import { errorMessage, type Logger } from '@fraud/common';
import type { RegistryStore } from '../store/registry-store.ts';
import { validateRetrainPolicy, type RetrainPolicy } from './schema.ts';

export type PolicySource = 'default' | 'file' | 'control-topic' | 'api' | 'cli';

export interface PolicyEdit {
  source: PolicySource;
  actor: string;
  /** A full policy document (missing fields take their defaults). */
  policy: unknown;
  at?: number;
  /** Set when the edit could not even be parsed (bad JSON/YAML): refused with this message. */
  parseError?: string;
}

export type PolicyResult =
  { accepted: true; policy: RetrainPolicy } | { accepted: false; message: string; policy: RetrainPolicy };

/**
 * Holds the policy in force. Every edit, from the file, the control topic or the API, goes
 * through `apply`: validated, audited (who, when, from where, what), and only then swapped in.
 * A refused edit leaves the previous policy in force and is audited with the reason.
 */
export interface PolicyManager {
  current(): RetrainPolicy;
  apply(edit: PolicyEdit): Promise<PolicyResult>;
  onChange(fn: (p: RetrainPolicy, edit: PolicyEdit) => void): () => void;
}

export function createPolicyManager(deps: {
  registry: RegistryStore;
  logger: Logger;
  initial?: RetrainPolicy;
  now?: () => number;
}): PolicyManager {
  const now = deps.now ?? Date.now;
  let policy = deps.initial ?? validateRetrainPolicy({});
  const listeners = new Set<(p: RetrainPolicy, edit: PolicyEdit) => void>();
  // A serial chain: two edits arriving together are applied one after the other, in order.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    current: () => policy,
    apply(edit) {
      const run = async (): Promise<PolicyResult> => {
        const at = edit.at ?? now();
        let next: RetrainPolicy;
        try {
          if (edit.parseError !== undefined) throw new Error(edit.parseError);
          const raw =
            edit.policy !== null && typeof edit.policy === 'object'
              ? { ...(edit.policy as Record<string, unknown>) }
              : edit.policy;
          if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
            const r = raw as Record<string, unknown>;
            r.updatedBy = edit.actor;
            r.updatedAt = at;
          }
          next = validateRetrainPolicy(raw);
        } catch (err: unknown) {
          const message = errorMessage(err);
          await deps.registry.saveAudit({
            at,
            source: edit.source,
            actor: edit.actor,
            accepted: false,
            message,
            policy: asRecord(edit.policy),
          });
          deps.logger.warn({ source: edit.source, actor: edit.actor }, message);
          return { accepted: false, message, policy };
        }
        const changed = diffKeys(policy, next);
        const message = changed.length ? `changed ${changed.join(', ')}` : 'no change';
        await deps.registry.saveAudit({
          at,
          source: edit.source,
          actor: edit.actor,
          accepted: true,
          message,
          policy: next as unknown as Record<string, unknown>,
        });
        policy = next;
        deps.logger.info({ source: edit.source, actor: edit.actor, changed }, 'retrain policy applied');
        for (const fn of listeners) fn(policy, edit);
        return { accepted: true, policy };
      };
      const p = chain.then(run, run);
      chain = p.catch(() => undefined);
      return p;
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
}

/** Dotted paths of the fields whose values differ (audit trail; ignores the audit fields). */
export function diffKeys(a: unknown, b: unknown, prefix = ''): string[] {
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const out: string[] = [];
    for (const k of keys) {
      if (prefix === '' && (k === 'updatedAt' || k === 'updatedBy')) continue;
      out.push(
        ...diffKeys(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          prefix ? `${prefix}.${k}` : k,
        ),
      );
    }
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(policy)'];
}
