import { FraudError } from '@fraud/common';
import type { Label, ScoredTransaction } from '@fraud/schemas';
import { num, optNum, optStr, str, type Database, type Row } from '../db/database.ts';
import type { AuditLog } from '../db/audit.ts';

export const CASE_STATUSES = ['OPEN', 'ASSIGNED', 'CLOSED'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface CaseSummary {
  txId: string;
  decision: string;
  score: number;
  type: string;
  amount: number;
  originAccount: string;
  destAccount: string;
  eventTime: number;
  modelVersion: string;
  status: CaseStatus;
  assignedTo: string | null;
  verdict: 'FRAUD' | 'LEGIT' | null;
  note: string | null;
  createdAt: number;
  closedAt: number | null;
  closedBy: string | null;
}
export interface CaseDetail extends CaseSummary {
  scored: ScoredTransaction;
}

export interface CaseFilter {
  status?: CaseStatus | 'ACTIVE';
  decision?: 'REVIEW' | 'BLOCK';
  assignedTo?: string;
  limit?: number;
}

/**
 * Review cases: one per REVIEW/BLOCK scored transaction. OPEN -> ASSIGNED -> CLOSED (with a
 * verdict). Every change writes an audit entry in the same transaction.
 */
export function createCaseStore(db: Database, audit: AuditLog, now: () => number = Date.now) {
  return {
    /** Idempotent by txId: a redelivered scored record does not reopen or duplicate a case. */
    ingest: (records: readonly ScoredTransaction[]): Promise<number> => ingestCases(db, records, now),
    list: (filter: CaseFilter = {}): Promise<CaseSummary[]> => listCases(db, filter),
    counts: (): Promise<Record<CaseStatus, number>> => countCases(db),
    get: (txId: string): Promise<CaseDetail | null> => getCase(db, txId),
    assign: (txId: string, actor: string, assignee: string | null): Promise<void> =>
      assignCase(db, audit, { txId, actor, assignee }),
    /**
     * Closes the case with the analyst's verdict. `publish` (the Label to Kafka) runs inside the
     * database transaction: if Kafka refuses, the case stays open and nothing is audited.
     */
    close: (txId: string, actor: string, label: Label, publish: (label: Label) => Promise<void>): Promise<void> =>
      closeCase(db, audit, { txId, actor, label, publish, at: now }),
  };
}
export type CaseStore = ReturnType<typeof createCaseStore>;

async function ingestCases(db: Database, records: readonly ScoredTransaction[], now: () => number): Promise<number> {
  const cases = records.filter((r) => r.decision !== 'APPROVE');
  if (cases.length === 0) return 0;
  const at = now();
  return db.transaction(async (tx) => {
    let added = 0;
    for (const r of cases) {
      const t = r.transaction;
      const res = await tx.all(
        `INSERT INTO cases (tx_id, decision, score, tx_type, amount, origin_account, dest_account, event_time,
           model_version, scored_json, status, created_at)
         VALUES ($id, $d, $s, $type, $amount, $o, $dest, $et, $mv, $json, 'OPEN', $at)
         ON CONFLICT DO NOTHING RETURNING tx_id`,
        {
          id: t.txId,
          d: r.decision,
          s: r.score,
          type: t.type,
          amount: t.amount,
          o: t.originAccount,
          dest: t.destAccount,
          et: t.eventTime,
          mv: r.modelVersion,
          json: JSON.stringify(r),
          at,
        },
      );
      added += res.length;
    }
    return added;
  });
}

/** Blocks first, then by score, newest first among equals. */
async function listCases(db: Database, filter: CaseFilter): Promise<CaseSummary[]> {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: Math.min(filter.limit ?? 200, 1000) };
  if (filter.status === 'ACTIVE') {
    where.push("status <> 'CLOSED'");
  } else if (filter.status) {
    where.push('status = $status');
    params.status = filter.status;
  }
  if (filter.decision) {
    where.push('decision = $decision');
    params.decision = filter.decision;
  }
  if (filter.assignedTo) {
    where.push('assigned_to = $assignee');
    params.assignee = filter.assignedTo;
  }
  const rows = await db.all(
    `SELECT * EXCLUDE (scored_json) FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY CASE decision WHEN 'BLOCK' THEN 0 ELSE 1 END, score DESC, created_at DESC LIMIT $limit`,
    params,
  );
  return rows.map(toSummary);
}

async function countCases(db: Database): Promise<Record<CaseStatus, number>> {
  const rows = await db.all('SELECT status, count(*) AS n FROM cases GROUP BY status');
  const out: Record<CaseStatus, number> = { OPEN: 0, ASSIGNED: 0, CLOSED: 0 };
  for (const r of rows) out[str(r, 'status') as CaseStatus] = num(r, 'n');
  return out;
}

async function getCase(db: Database, txId: string): Promise<CaseDetail | null> {
  const row = await db.one('SELECT * FROM cases WHERE tx_id = $id', { id: txId });
  if (!row) return null;
  return { ...toSummary(row), scored: JSON.parse(str(row, 'scored_json')) as ScoredTransaction };
}

async function assignCase(
  db: Database,
  audit: AuditLog,
  q: { txId: string; actor: string; assignee: string | null },
): Promise<void> {
  const { txId, actor, assignee } = q;
  await db.transaction(async (tx) => {
    const res = await tx.all(
      `UPDATE cases SET assigned_to = $a, status = CASE WHEN $a IS NULL THEN 'OPEN' ELSE 'ASSIGNED' END
       WHERE tx_id = $id AND status <> 'CLOSED' RETURNING tx_id`,
      { id: txId, a: assignee },
    );
    if (res.length === 0) throw await missingOrClosed(tx, txId);
    await audit.record(actor, assignee ? 'case.assign' : 'case.unassign', txId, { assignee }, tx);
  });
}

async function closeCase(
  db: Database,
  audit: AuditLog,
  q: { txId: string; actor: string; label: Label; publish: (label: Label) => Promise<void>; at: () => number },
): Promise<void> {
  const { txId, actor, label } = q;
  await db.transaction(async (tx) => {
    const res = await tx.all(
      `UPDATE cases SET status = 'CLOSED', verdict = $v, note = $note, closed_at = $at, closed_by = $actor,
         assigned_to = coalesce(assigned_to, $actor)
       WHERE tx_id = $id AND status <> 'CLOSED' RETURNING tx_id`,
      { id: txId, v: label.isFraud ? 'FRAUD' : 'LEGIT', note: label.note, at: q.at(), actor },
    );
    if (res.length === 0) throw await missingOrClosed(tx, txId);
    await audit.record(
      actor,
      'case.verdict',
      txId,
      { verdict: label.isFraud ? 'FRAUD' : 'LEGIT', note: label.note },
      tx,
    );
    await q.publish(label);
  });
}

async function missingOrClosed(tx: Pick<Database, 'one'>, txId: string): Promise<FraudError> {
  const row = await tx.one('SELECT status, closed_by FROM cases WHERE tx_id = $id', { id: txId });
  if (!row) return new FraudError('NOT_FOUND', `no review case for transaction ${txId}`);
  return new FraudError('BAD_REQUEST', `case ${txId} is already closed (by ${optStr(row, 'closed_by') ?? 'someone'})`);
}

function toSummary(r: Row): CaseSummary {
  const verdict = optStr(r, 'verdict');
  return {
    txId: str(r, 'tx_id'),
    decision: str(r, 'decision'),
    score: num(r, 'score'),
    type: str(r, 'tx_type'),
    amount: num(r, 'amount'),
    originAccount: str(r, 'origin_account'),
    destAccount: str(r, 'dest_account'),
    eventTime: num(r, 'event_time'),
    modelVersion: str(r, 'model_version'),
    status: str(r, 'status') as CaseStatus,
    assignedTo: optStr(r, 'assigned_to'),
    verdict: verdict === 'FRAUD' || verdict === 'LEGIT' ? verdict : null,
    note: optStr(r, 'note'),
    createdAt: num(r, 'created_at'),
    closedAt: optNum(r, 'closed_at'),
    closedBy: optStr(r, 'closed_by'),
  };
}
