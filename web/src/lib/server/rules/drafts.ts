import { randomUUID } from 'node:crypto';
import { FraudError } from '@fraud/common';
import { ruleSetSchema, type RuleSet } from '@fraud/schemas';
import { num, optNum, optStr, str, type Database, type Row } from '../db/database.ts';
import type { AuditLog } from '../db/audit.ts';

/** Audit subject of every rule change (drafts, publications, disables, rollbacks). */
export const RULES_SUBJECT = 'rules';

export type DraftStatus = 'PROPOSED' | 'PUBLISHED';

export interface RuleDraft {
  id: string;
  createdAt: number;
  author: string;
  note: string;
  ruleSet: RuleSet;
  status: DraftStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  publishedVersion: number | null;
  /** The rule set version in force when the draft was proposed (null: none). */
  baseVersion: number | null;
}

/**
 * Rule set drafts in the console database: an analyst proposes one (checked before it is stored),
 * an admin publishes it. Each change is audited in the same transaction as the row it writes.
 */
export function createDraftStore(db: Database, audit: AuditLog, now: () => number = Date.now) {
  return {
    async propose(
      author: string,
      ruleSet: RuleSet,
      note: string,
      summary: Record<string, unknown>,
      baseVersion: number | null = null,
    ): Promise<RuleDraft> {
      const draft: RuleDraft = {
        id: randomUUID().slice(0, 8),
        createdAt: now(),
        author,
        note: note.trim().slice(0, 1000),
        ruleSet: { ...ruleSet, version: 0 },
        status: 'PROPOSED',
        decidedBy: null,
        decidedAt: null,
        publishedVersion: null,
        baseVersion,
      };
      await db.transaction(async (tx) => {
        const columns = 'id, created_at, author, note, rule_set_json, status, base_version';
        await tx.run(`INSERT INTO rule_drafts (${columns}) VALUES ($id, $at, $author, $note, $json, $status, $base)`, {
          id: draft.id,
          at: draft.createdAt,
          author,
          note: draft.note,
          json: JSON.stringify(draft.ruleSet),
          status: draft.status,
          base: baseVersion,
        });
        await audit.record(author, 'rules.propose', RULES_SUBJECT, { draft: draft.id, ...summary }, tx);
      });
      return draft;
    },
    async get(id: string): Promise<RuleDraft> {
      const row = await db.one('SELECT * FROM rule_drafts WHERE id = $id', { id });
      if (!row) throw new FraudError('NOT_FOUND', `no rule set draft ${id}; reload the Rules page`);
      return toDraft(row);
    },
    async list(limit = 20): Promise<RuleDraft[]> {
      const rows = await db.all('SELECT * FROM rule_drafts ORDER BY created_at DESC, id LIMIT $l', { l: limit });
      return rows.map(toDraft);
    },
    /** Marks a proposed draft published as `version` (after the rule set was written to control). */
    async markPublished(id: string, admin: string, version: number): Promise<void> {
      await db.run(
        "UPDATE rule_drafts SET status = 'PUBLISHED', decided_by = $admin, decided_at = $at, " +
          'published_version = $v WHERE id = $id',
        { id, admin, at: now(), v: version },
      );
    },
  };
}
export type DraftStore = ReturnType<typeof createDraftStore>;

function toDraft(row: Row): RuleDraft {
  return {
    id: str(row, 'id'),
    createdAt: num(row, 'created_at'),
    author: str(row, 'author'),
    note: str(row, 'note'),
    ruleSet: ruleSetSchema.parse(JSON.parse(str(row, 'rule_set_json')) as unknown),
    status: str(row, 'status') === 'PUBLISHED' ? 'PUBLISHED' : 'PROPOSED',
    decidedBy: optStr(row, 'decided_by'),
    decidedAt: optNum(row, 'decided_at'),
    publishedVersion: optNum(row, 'published_version'),
    baseVersion: optNum(row, 'base_version'),
  };
}
