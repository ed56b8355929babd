import { randomUUID } from 'node:crypto';
import { str, num, type Database, type Queries } from './database.ts';

export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
}

/** Append-only audit trail: who did what, to what, when. Written in the same transaction as the change. */
export function createAuditLog(db: Database, now: () => number = Date.now) {
  return {
    /** Pass the transaction handle (tx) to write the entry atomically with the change it describes. */
    async record(
      actor: string,
      action: string,
      subject: string,
      detail: Record<string, unknown> = {},
      q: Queries = db,
    ): Promise<AuditEntry> {
      const entry = { id: randomUUID(), at: now(), actor, action, subject, detail: JSON.stringify(detail) };
      await q.run('INSERT INTO audit VALUES ($id, $at, $actor, $action, $subject, $detail)', entry);
      return entry;
    },
    async forSubject(subject: string): Promise<AuditEntry[]> {
      return toEntries(await db.all('SELECT * FROM audit WHERE subject = $s ORDER BY ts, id', { s: subject }));
    },
    async recent(limit = 100): Promise<AuditEntry[]> {
      return toEntries(await db.all('SELECT * FROM audit ORDER BY ts DESC LIMIT $l', { l: limit }));
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;

function toEntries(rows: Awaited<ReturnType<Database['all']>>): AuditEntry[] {
  return rows.map((r) => ({
    id: str(r, 'id'),
    at: num(r, 'ts'),
    actor: str(r, 'actor'),
    action: str(r, 'action'),
    subject: str(r, 'subject'),
    detail: str(r, 'detail'),
  }));
}
