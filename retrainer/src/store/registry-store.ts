import { num, type Db } from './db.ts';

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

function toRun(r: Record<string, unknown>): RunRecord {
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

/** Retraining runs, one row per run, replaced as the run progresses. */
function runStore(db: Db): Pick<RegistryStore, 'saveRun' | 'runs' | 'run' | 'lastRun'> {
  return {
    async saveRun(r) {
      await db.run(
        'INSERT OR REPLACE INTO runs VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,' +
          '$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)',
        [
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
      );
    },
    async runs(limit = 100) {
      return (await db.all(`SELECT * FROM runs ORDER BY started_at DESC LIMIT ${Math.floor(limit)}`)).map(toRun);
    },
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
  return {
    async savePublication(p) {
      await db.run('INSERT INTO publications VALUES ($1,$2,$3,$4,$5,$6,$7)', [
        p.publishedAt,
        p.version,
        p.role,
        p.action,
        p.actor,
        p.reason,
        p.sha256,
      ]);
    },
    async publications(limit = 100) {
      return (await db.all(`SELECT * FROM publications ORDER BY published_at DESC LIMIT ${Math.floor(limit)}`)).map(
        (r) => ({
          publishedAt: num(r.published_at),
          version: String(r.version),
          role: String(r.role) as PublicationRecord['role'],
          action: String(r.action) as PublicationRecord['action'],
          actor: String(r.actor),
          reason: String(r.reason),
          sha256: ns(r.sha256),
        }),
      );
    },
  };
}

function backtestStore(db: Db): Pick<RegistryStore, 'saveBacktest' | 'backtests'> {
  return {
    async saveBacktest(b) {
      await db.run('INSERT OR REPLACE INTO backtests VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)', [
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
      ]);
    },
    async backtests(limit = 100) {
      return (await db.all(`SELECT * FROM backtests ORDER BY created_at DESC LIMIT ${Math.floor(limit)}`)).map((r) => ({
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
      }));
    },
  };
}

/** Every policy edit, accepted or refused. */
function auditStore(db: Db): Pick<RegistryStore, 'saveAudit' | 'audit'> {
  return {
    async saveAudit(a) {
      await db.run('INSERT INTO policy_audit VALUES ($1,$2,$3,$4,$5,$6)', [
        a.at,
        a.source,
        a.actor,
        a.accepted,
        a.message,
        j(a.policy),
      ]);
    },
    async audit(limit = 100) {
      return (await db.all(`SELECT * FROM policy_audit ORDER BY audited_at DESC LIMIT ${Math.floor(limit)}`)).map(
        (r) => ({
          at: num(r.audited_at),
          source: String(r.source),
          actor: String(r.actor),
          accepted: r.accepted === true,
          message: String(r.message),
          policy: pj<Record<string, unknown>>(r.policy),
        }),
      );
    },
  };
}
