import { FraudError } from '@fraud/common';
import { formatProblem } from '@fraud/model/rules';
import { CONTROL_KEYS, ruleSetVersionKey, type RuleSet } from '@fraud/schemas';
import type { AuditLog } from '../db/audit.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { RuleFeatures } from './catalogue.ts';
import { RULES_SUBJECT, type DraftStore } from './drafts.ts';
import { checkDraft } from './rule-form.ts';
import type { RuleState } from './rule-state.ts';

/**
 * The admin's side of the Rules page: publish a proposed draft, disable (or enable) one rule,
 * roll back to an earlier version. Every publication is checked against the champion's features
 * first (a bad rule is refused with its line:column), written as "rule-set@N" (kept for rollback)
 * and "rule-set" (in force) in one send, applied to the console's view at once (the control tail
 * reads it back too) and audited.
 */
export interface RulePublishDeps {
  state: RuleState;
  publisher: Publisher;
  audit: AuditLog;
  drafts: DraftStore;
  features: () => Promise<RuleFeatures>;
  now?: () => number;
}

export function createRulePublishing(deps: RulePublishDeps) {
  const now = deps.now ?? Date.now;
  const publishNew = async (admin: string, rules: unknown): Promise<RuleSet> => {
    const current = deps.state.current();
    const f = await deps.features();
    const checked = checkDraft({ version: 0, rules, lists: current?.lists ?? {} }, f.catalogue);
    if (!checked.ok) throw new FraudError('BAD_REQUEST', `refused: ${checked.problems.map(formatProblem).join('; ')}`);
    const version = deps.state.nextVersion();
    const set: RuleSet = { ...checked.ruleSet, version, publishedBy: admin, publishedAt: now(), rolledBackFrom: null };
    await deps.publisher.ruleSet(set, [ruleSetVersionKey(version), CONTROL_KEYS.ruleSet]);
    applyLocally(deps.state, set, [ruleSetVersionKey(version), CONTROL_KEYS.ruleSet]);
    return set;
  };
  return {
    async publishDraft(admin: string, draftId: string): Promise<RuleSet> {
      const draft = await deps.drafts.get(draftId);
      if (draft.status !== 'PROPOSED')
        throw new FraudError(
          'BAD_REQUEST',
          `draft ${draftId} was already published as version ${draft.publishedVersion}`,
        );
      // A draft is a whole rule set: published over a newer version it would undo that version's changes.
      const inForce = deps.state.current()?.version ?? null;
      if (draft.baseVersion !== inForce) {
        throw new FraudError(
          'BAD_REQUEST',
          `draft ${draftId} was written on rule set version ${draft.baseVersion ?? 'none'} and version ` +
            `${inForce ?? 'none'} is in force now: edit the rule again from the current rule set and propose it anew`,
        );
      }
      const set = await publishNew(admin, draft.ruleSet.rules);
      await deps.drafts.markPublished(draftId, admin, set.version);
      await deps.audit.record(admin, 'rules.publish', RULES_SUBJECT, {
        draft: draftId,
        proposedBy: draft.author,
        version: set.version,
        rules: set.rules.map((r) => r.name),
      });
      return set;
    },
    async setEnabled(admin: string, name: string, enabled: boolean): Promise<RuleSet> {
      const current = deps.state.current();
      if (!current?.rules.some((r) => r.name === name))
        throw new FraudError('NOT_FOUND', `no rule ${name} in the rule set in force; reload the Rules page`);
      const rules = current.rules.map((r) => (r.name === name ? { ...r, enabled } : r));
      const set = await publishNew(admin, rules);
      await deps.audit.record(admin, enabled ? 'rules.enable' : 'rules.disable', RULES_SUBJECT, {
        rule: name,
        version: set.version,
      });
      return set;
    },
    /** Republishes version `n` under "rule-set" (its number kept, rolledBackFrom naming the one it replaced). */
    async rollback(admin: string, n: number): Promise<RuleSet> {
      const old = deps.state.version(n);
      if (!old) throw new FraudError('NOT_FOUND', `rule set version ${n} is not on the control topic`);
      const current = deps.state.current();
      if (current?.version === n) throw new FraudError('BAD_REQUEST', `version ${n} is already in force`);
      const set: RuleSet = { ...old, publishedBy: admin, publishedAt: now(), rolledBackFrom: current?.version ?? null };
      await deps.publisher.ruleSet(set, [CONTROL_KEYS.ruleSet]);
      applyLocally(deps.state, set, [CONTROL_KEYS.ruleSet]);
      await deps.audit.record(admin, 'rules.rollback', RULES_SUBJECT, {
        version: n,
        replaced: current?.version ?? null,
      });
      return set;
    },
  };
}
export type RulePublishing = ReturnType<typeof createRulePublishing>;

function applyLocally(state: RuleState, set: RuleSet, keys: readonly string[]): void {
  const value = Buffer.from(JSON.stringify(set));
  for (const key of keys) state.apply({ key: Buffer.from(key), value });
}
