import { num, type Db, type Params, type Row } from './db.ts';

/** Runs, publications, backtests and policy audit: what the console and `fraud models` read. */
export interface RunRecord {
  runId: string;
  version: string;
  startedAt: number;
  finishedAt: number | null;
  trigger: string;
  status: 'running' | 'promoted' | 'shadow' | 'rejected' | 'skipped' | 'failed';
  promoted: boolean;
  role: 'CHAMPION' | 'SHADOW' | null;
  reason: string;
  championVersion: string | null;
  joinSeq: number;
  trainRows: number | null;
  trainPositives: number | null;
  holdoutRows: number | null;
  holdoutPositives: number | null;
  windowFrom: number | null;
  windowTo: number | null;
  challengerMetrics: Record<string, unknown> | null;
  championMetrics: Record<string, unknown> | null;
  policy: Record<string, unknown>;
  details: Record<string, unknown> | null;
}

export interface PublicationRecord {
  publishedAt: number;
  version: string;
  role: 'CHAMPION' | 'SHADOW';
  action: 'promote' | 'shadow' | 'rollback' | 'retire-shadow' | 'manual';
  actor: string;
  reason: string;
  sha256: string | null;
}

export interface BacktestRecord {
  backtestId: string;
  createdAt: number;
  version: string;
  source: string;
  rangeFrom: number | null;
  rangeTo: number | null;
  rows: number;
  positives: number;
  metrics: Record<string, unknown>;
  perTypology: Record<string, unknown>;
  perType: Record<string, unknown>;
}

export interface AuditRecord {
  at: number;
  source: string;
  actor: string;
  accepted: boolean;
  message: string;
  policy: Record<string, unknown> | null;
}

export interface RegistryStore {
  saveRun(run: RunRecord): Promise<void>;
  runs(limit?: number): Promise<RunRecord[]>;
  run(runIdOrVersion: string): Promise<RunRecord | null>;
  lastRun(): Promise<RunRecord | null>;
  savePublication(p: PublicationRecord): Promise<void>;
  publications(limit?: number): Promise<PublicationRecord[]>;
  saveBacktest(b: BacktestRecord): Promise<void>;
  backtests(limit?: number): Promise<BacktestRecord[]>;
  saveAudit(a: AuditRecord): Promise<void>;
  audit(limit?: number): Promise<AuditRecord[]>;
}

const j = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const pj = <T>(v: unknown): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null);
const nn = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const ns = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function createRegistryStore(db: Db): RegistryStore {
  return { ...runStore(db), ...publicationStore(db), ...backtestStore(db), ...auditStore(db) };
}

function toRun(r: Row): RunRecord {
  return {
    runId: String(r.run_id),
    version: String(r.version),
    startedAt: num(r.started_at),
    finishedAt: nn(r.finished_at),
    trigger: String(r.trigger),
    status: String(r.status) as RunRecord['status'],
    promoted: r.promoted === true,
    role: ns(r.role) as RunRecord['role'],
    reason: String(r.reason),
    championVersion: ns(r.champion_version),
    joinSeq: num(r.join_seq),
    trainRows: nn(r.train_rows),
    trainPositives: nn(r.train_positives),
    holdoutRows: nn(r.holdout_rows),
    holdoutPositives: nn(r.holdout_positives),
    windowFrom: nn(r.window_from),
    windowTo: nn(r.window_to),
    challengerMetrics: pj(r.challenger_metrics),
    championMetrics: pj(r.champion_metrics),
    policy: pj<Record<string, unknown>>(r.policy) ?? {},
    details: pj(r.details),
  };
}

/** How one record type is kept: one row per record in `table`, read back newest first by `newestBy`. */
interface RecordTable<T> {
  table: string;
  /** INSERT appends; INSERT OR REPLACE replaces the row with the same key. */
  verb: 'INSERT' | 'INSERT OR REPLACE';
  newestBy: string;
  /** The row's values in the table's column order. */
  toParams(record: T): Params;
  fromRow(row: Row): T;
}

function recordTable<T>(db: Db, t: RecordTable<T>) {
  return {
    async save(record: T): Promise<void> {
      const values = t.toParams(record);
      await db.run(`${t.verb} INTO ${t.table} VALUES (${values.map((_, i) => `$${i + 1}`).join(',')})`, values);
    },
    async newest(limit = 100): Promise<T[]> {
      const sql = `SELECT * FROM ${t.table} ORDER BY ${t.newestBy} DESC LIMIT ${Math.floor(limit)}`;
      return (await db.all(sql)).map(t.fromRow);
    },
  };
}

/** Retraining runs, one row per run, replaced as the run progresses. */
function runStore(db: Db): Pick<RegistryStore, 'saveRun' | 'runs' | 'run' | 'lastRun'> {
  const runs = recordTable<RunRecord>(db, {
    table: 'runs',
    verb: 'INSERT OR REPLACE',
    newestBy: 'started_at',
    toParams: (r) => [
      r.runId,
      r.version,
      r.startedAt,
      r.finishedAt,
      r.trigger,
      r.status,
      r.promoted,
      r.role,
      r.reason,
      r.championVersion,
      r.joinSeq,
      r.trainRows,
      r.trainPositives,
      r.holdoutRows,
      r.holdoutPositives,
      r.windowFrom,
      r.windowTo,
      j(r.challengerMetrics),
      j(r.championMetrics),
      JSON.stringify(r.policy),
      j(r.details),
    ],
    fromRow: toRun,
  });
  return {
    saveRun: runs.save,
    runs: runs.newest,
    async run(id) {
      const [r] = await db.all(
        'SELECT * FROM runs WHERE run_id = $1 OR version = $1 ORDER BY started_at DESC LIMIT 1',
        [id],
      );
      return r ? toRun(r) : null;
    },
    async lastRun() {
      const [r] = await db.all(`SELECT * FROM runs WHERE status <> 'running' ORDER BY started_at DESC LIMIT 1`);
      return r ? toRun(r) : null;
    },
  };
}

/** Model publications, append-only. */
function publicationStore(db: Db): Pick<RegistryStore, 'savePublication' | 'publications'> {
  const publications = recordTable<PublicationRecord>(db, {
    table: 'publications',
    verb: 'INSERT',
    newestBy: 'published_at',
    toParams: (p) => [p.publishedAt, p.version, p.role, p.action, p.actor, p.reason, p.sha256],
    fromRow: (r) => ({
      publishedAt: num(r.published_at),
      version: String(r.version),
      role: String(r.role) as PublicationRecord['role'],
      action: String(r.action) as PublicationRecord['action'],
      actor: String(r.actor),
      reason: String(r.reason),
      sha256: ns(r.sha256),
    }),
  });
  return { savePublication: publications.save, publications: publications.newest };
}

function backtestStore(db: Db): Pick<RegistryStore, 'saveBacktest' | 'backtests'> {
  const backtests = recordTable<BacktestRecord>(db, {
    table: 'backtests',
    verb: 'INSERT OR REPLACE',
    newestBy: 'created_at',
    toParams: (b) => [
      b.backtestId,
      b.createdAt,
      b.version,
      b.source,
      b.rangeFrom,
      b.rangeTo,
      b.rows,
      b.positives,
      JSON.stringify(b.metrics),
      JSON.stringify(b.perTypology),
      JSON.stringify(b.perType),
    ],
    fromRow: (r) => ({
      backtestId: String(r.backtest_id),
      createdAt: num(r.created_at),
      version: String(r.version),
      source: String(r.source),
      rangeFrom: nn(r.range_from),
      rangeTo: nn(r.range_to),
      rows: num(r.rows),
      positives: num(r.positives),
      metrics: pj<Record<string, unknown>>(r.metrics) ?? {},
      perTypology: pj<Record<string, unknown>>(r.per_typology) ?? {},
      perType: pj<Record<string, unknown>>(r.per_type) ?? {},
    }),
  });
  return { saveBacktest: backtests.save, backtests: backtests.newest };
}

/** Every policy edit, accepted or refused. */
function auditStore(db: Db): Pick<RegistryStore, 'saveAudit' | 'audit'> {
  const audit = recordTable<AuditRecord>(db, {
    table: 'policy_audit',
    verb: 'INSERT',
    newestBy: 'audited_at',
    toParams: (a) => [a.at, a.source, a.actor, a.accepted, a.message, j(a.policy)],
    fromRow: (r) => ({
      at: num(r.audited_at),
      source: String(r.source),
      actor: String(r.actor),
      accepted: r.accepted === true,
      message: String(r.message),
      policy: pj<Record<string, unknown>>(r.policy),
    }),
  });
  return { saveAudit: audit.save, audit: audit.newest };
}
