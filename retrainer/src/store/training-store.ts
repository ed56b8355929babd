import type { Label, ScoredTransaction, Transaction } from '@fraud/schemas';
import { num, type Db } from './db.ts';
import { bump, ingestLabels, ingestScored } from './training-ingest.ts';
import { blobToFloats, toLabelled } from './training-rows.ts';

export { blobToFloats, emptyLabelled, floatsToBlob } from './training-rows.ts';

/**
 * The training store: labelled transactions with the features exactly as the scorer logged
 * them. Both inputs are idempotent (a redelivered batch changes nothing but the duplicate
 * counters); a label may arrive before its transaction (kept pending, joined when the scored
 * record arrives, expired after a TTL and counted as unknown).
 */
export const COUNTER_NAMES = [
  'scored_received',
  'scored_duplicate',
  'labels_received',
  'labels_duplicate',
  'labels_corrected',
  'labels_stale',
  'labels_joined',
  'labels_early',
  'labels_early_joined',
  'labels_unknown_expired',
  'scored_expired',
  'records_invalid',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export interface LabelledRows {
  txIds: string[];
  eventTime: Float64Array;
  features: Float32Array;
  cols: number;
  labels: Float32Array;
  amount: Float64Array;
  txType: string[];
  typology: (string | null)[];
  score: Float64Array;
  modelVersion: string[];
  reviewThreshold: Float64Array;
  shadowScore: (number | null)[];
  shadowVersion: (string | null)[];
}

/** A scored row with its transaction (null for rows stored before transactions were kept) and its label if any. */
export interface HistoryRow {
  txId: string;
  eventTime: number;
  transaction: Transaction | null;
  amount: number;
  txType: string;
  score: number;
  modelVersion: string;
  reviewThreshold: number;
  shadowScore: number | null;
  shadowVersion: string | null;
  /** null when unlabelled. */
  isFraud: boolean | null;
  labeledAt: number | null;
  typology: string | null;
}

export interface TrainingStore {
  ingestScored(records: readonly ScoredTransaction[], now?: number): Promise<void>;
  ingestLabels(labels: readonly Label[], now?: number): Promise<void>;
  /** Drops pending labels older than ttlMs (unknown txIds); returns how many. */
  expirePending(ttlMs: number, now?: number): Promise<number>;
  /** Drops scored rows older (event time) than retentionMs before the newest one. */
  applyRetention(retentionMs: number): Promise<number>;
  counters(): Promise<Counters>;
  countInvalid(n: number): Promise<void>;
  /** Labelled rows of one feature set with eventTime in [from, to], in event-time order. */
  loadLabelled(q: {
    featureSet: string;
    from?: number;
    to?: number;
    modelVersion?: string;
    shadowVersion?: string;
    lastN?: number;
  }): Promise<LabelledRows>;
  /** Every scored row (labelled or not) with eventTime in [from, to], in event-time order. */
  loadHistory(q: { from: number; to: number }): Promise<HistoryRow[]>;
  /** Joined labels since a join sequence number: totals and frauds. */
  newLabelsSince(joinSeq: number): Promise<{ labels: number; frauds: number; maxSeq: number }>;
  /** Newest scored rows (labelled or not) scored by one model version. */
  recentScored(q: {
    modelVersion: string;
    limit: number;
  }): Promise<{ features: Float32Array; cols: number; score: Float64Array; rows: number }>;
  stats(): Promise<{
    scored: number;
    labels: number;
    pending: number;
    minEventTime: number | null;
    maxEventTime: number | null;
  }>;
}

export function createTrainingStore(db: Db): TrainingStore {
  return {
    ingestScored: (records, now = Date.now()) => ingestScored(db, records, now),
    ingestLabels: (labels, now = Date.now()) => ingestLabels(db, labels, now),
    ...maintenance(db),
    ...queries(db),
  };
}

/** Expiry, retention and the counters. */
function maintenance(db: Db): Pick<TrainingStore, 'expirePending' | 'applyRetention' | 'counters' | 'countInvalid'> {
  return {
    async expirePending(ttlMs, now = Date.now()) {
      return db.transaction(async (tx) => {
        const n = await tx.run(`DELETE FROM labels WHERE join_seq IS NULL AND received_at < ${now - ttlMs}`);
        await bump(tx, { labels_unknown_expired: n });
        return n;
      });
    },

    async applyRetention(retentionMs) {
      return db.transaction(async (tx) => {
        const [m] = await tx.all('SELECT max(event_time) AS m FROM scored');
        if (m?.m === null || m?.m === undefined) return 0;
        const cutoff = num(m.m) - retentionMs;
        const n = await tx.run(`DELETE FROM scored WHERE event_time < ${cutoff}`);
        await tx.run(
          'DELETE FROM labels WHERE join_seq IS NOT NULL ' +
            'AND NOT EXISTS (SELECT 1 FROM scored x WHERE x.tx_id = labels.tx_id)',
        );
        await bump(tx, { scored_expired: n });
        return n;
      });
    },

    async counters() {
      const rows = await db.all<{ name: string; value: number }>('SELECT name, value FROM counters');
      const out = Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as Counters;
      for (const r of rows)
        if ((COUNTER_NAMES as readonly string[]).includes(r.name)) out[r.name as CounterName] = num(r.value);
      return out;
    },

    async countInvalid(n) {
      await db.transaction((tx) => bump(tx, { records_invalid: n }));
    },
  };
}

function loadLabelledSql(q: Parameters<TrainingStore['loadLabelled']>[0]): {
  sql: string;
  params: (string | number)[];
} {
  const where = ['l.join_seq IS NOT NULL', 's.feature_set = $1'];
  const params: (string | number)[] = [q.featureSet];
  if (q.from !== undefined) where.push(`s.event_time >= ${Math.floor(q.from)}`);
  if (q.to !== undefined) where.push(`s.event_time <= ${Math.floor(q.to)}`);
  if (q.modelVersion !== undefined) {
    params.push(q.modelVersion);
    where.push(`s.model_version = $${params.length}`);
  }
  if (q.shadowVersion !== undefined) {
    params.push(q.shadowVersion);
    where.push(`s.shadow_version = $${params.length}`);
  }
  const base = `SELECT s.tx_id, s.event_time, s.features, s.amount, s.tx_type, s.score, s.model_version,
      s.review_threshold, s.shadow_score, s.shadow_version, l.is_fraud, l.typology
    FROM scored s JOIN labels l USING (tx_id) WHERE ${where.join(' AND ')}`;
  const sql =
    q.lastN !== undefined
      ? `SELECT * FROM (${base} ORDER BY s.event_time DESC, s.tx_id DESC LIMIT ${Math.floor(q.lastN)})
        ORDER BY event_time, tx_id`
      : `${base} ORDER BY s.event_time, s.tx_id`;
  return { sql, params };
}

const orNull = <T>(v: unknown, f: (x: unknown) => T): T | null => (v === null || v === undefined ? null : f(v));

function historyRow(r: Record<string, unknown>): HistoryRow {
  return {
    txId: String(r.tx_id),
    eventTime: num(r.event_time),
    transaction: orNull(r.tx_json, (x) => JSON.parse(String(x)) as Transaction),
    amount: num(r.amount),
    txType: String(r.tx_type),
    score: num(r.score),
    modelVersion: String(r.model_version),
    reviewThreshold: num(r.review_threshold),
    shadowScore: orNull(r.shadow_score, num),
    shadowVersion: orNull(r.shadow_version, String),
    isFraud: orNull(r.is_fraud, (x) => x === true),
    labeledAt: orNull(r.labeled_at, num),
    typology: orNull(r.typology, String),
  };
}

function queries(
  db: Db,
): Pick<TrainingStore, 'loadLabelled' | 'loadHistory' | 'newLabelsSince' | 'recentScored' | 'stats'> {
  return {
    async loadHistory(q) {
      const rows = await db.all(
        `SELECT s.tx_id, s.event_time, s.tx_json, s.amount, s.tx_type, s.score, s.model_version,
          s.review_threshold, s.shadow_score, s.shadow_version, l.is_fraud, l.labeled_at, l.typology
        FROM scored s LEFT JOIN labels l ON l.tx_id = s.tx_id AND l.join_seq IS NOT NULL
        WHERE s.event_time >= ${Math.floor(q.from)} AND s.event_time <= ${Math.floor(q.to)}
        ORDER BY s.event_time, s.tx_id`,
      );
      return rows.map(historyRow);
    },

    async loadLabelled(q) {
      const { sql, params } = loadLabelledSql(q);
      return toLabelled(await db.all(sql, params));
    },

    async newLabelsSince(joinSeq) {
      const since = Math.floor(joinSeq);
      const [r] = await db.all(`SELECT count(*) AS n, count(*) FILTER (WHERE is_fraud) AS f,
          coalesce(max(join_seq), ${since}) AS m
        FROM labels WHERE join_seq > ${since}`);
      return { labels: num(r?.n), frauds: num(r?.f), maxSeq: num(r?.m) };
    },

    async recentScored(q) {
      const rows = await db.all(
        `SELECT features, score FROM scored WHERE model_version = $1
          ORDER BY event_time DESC LIMIT ${Math.floor(q.limit)}`,
        [q.modelVersion],
      );
      const first = rows[0];
      const cols = first ? (first.features as Uint8Array).byteLength / 4 : 0;
      const features = new Float32Array(rows.length * cols);
      const score = new Float64Array(rows.length);
      rows.forEach((r, i) => {
        features.set(blobToFloats(r.features as Uint8Array), i * cols);
        score[i] = num(r.score);
      });
      return { features, cols, score, rows: rows.length };
    },

    async stats() {
      const [r] = await db.all(`SELECT (SELECT count(*) FROM scored) AS scored,
          (SELECT count(*) FROM labels WHERE join_seq IS NOT NULL) AS labels,
          (SELECT count(*) FROM labels WHERE join_seq IS NULL) AS pending,
          (SELECT min(event_time) FROM scored) AS mn, (SELECT max(event_time) FROM scored) AS mx`);
      return {
        scored: num(r?.scored),
        labels: num(r?.labels),
        pending: num(r?.pending),
        minEventTime: r?.mn === null || r?.mn === undefined ? null : num(r.mn),
        maxEventTime: r?.mx === null || r?.mx === undefined ? null : num(r.mx),
      };
    },
  };
}
