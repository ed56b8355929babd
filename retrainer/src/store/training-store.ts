import type { DuckDBAppender } from '@duckdb/node-api';
import type { Label, ScoredTransaction } from '@fraud/schemas';
import { num, type Db } from './db.ts';

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
    async ingestScored(records, now = Date.now()) {
      if (records.length === 0) return;
      await db.transaction(async (tx) => {
        const app = await db.connection().createAppender('stage_scored');
        for (const r of records) appendScored(app, r);
        app.closeSync();
        const staged = records.length;
        const inserted =
          await tx.run(`INSERT INTO scored SELECT s.*, ${now} FROM (SELECT * FROM stage_scored QUALIFY row_number() OVER (PARTITION BY tx_id) = 1) s
          WHERE NOT EXISTS (SELECT 1 FROM scored x WHERE x.tx_id = s.tx_id)`);
        const joined = await tx.run(`UPDATE labels SET join_seq = nextval('join_seq')
          WHERE join_seq IS NULL AND tx_id IN (SELECT tx_id FROM stage_scored)`);
        await tx.run('DELETE FROM stage_scored');
        await bump(tx, {
          scored_received: staged,
          scored_duplicate: staged - inserted,
          labels_early_joined: joined,
          labels_joined: joined,
        });
      });
    },

    async ingestLabels(labels, now = Date.now()) {
      if (labels.length === 0) return;
      await db.transaction(async (tx) => {
        // Within one batch the newest verdict per txId wins; the others are duplicates.
        const latest = new Map<string, Label>();
        for (const l of labels) {
          const prev = latest.get(l.txId);
          if (!prev || l.labeledAt >= prev.labeledAt) latest.set(l.txId, l);
        }
        const app = await db.connection().createAppender('stage_labels');
        for (const l of latest.values()) appendLabel(app, l);
        app.closeSync();
        const [c] = await tx.all(`SELECT
            count(*) FILTER (WHERE l.tx_id IS NOT NULL AND l.is_fraud = s.is_fraud) AS dup,
            count(*) FILTER (WHERE l.tx_id IS NOT NULL AND l.is_fraud <> s.is_fraud AND s.labeled_at >= l.labeled_at) AS corrected,
            count(*) FILTER (WHERE l.tx_id IS NOT NULL AND l.is_fraud <> s.is_fraud AND s.labeled_at < l.labeled_at) AS stale
          FROM stage_labels s LEFT JOIN labels l USING (tx_id)`);
        // A correction is new information: it gets a new join sequence so it counts as a new label.
        await tx.run(`UPDATE labels SET is_fraud = s.is_fraud, source = s.source, labeled_at = s.labeled_at, typology = s.typology,
            author = s.author, note = s.note, join_seq = CASE WHEN labels.join_seq IS NULL THEN NULL ELSE nextval('join_seq') END
          FROM stage_labels s WHERE labels.tx_id = s.tx_id AND labels.is_fraud <> s.is_fraud AND s.labeled_at >= labels.labeled_at`);
        const [n] =
          await tx.all(`SELECT count(*) FILTER (WHERE x.tx_id IS NOT NULL) AS joinable, count(*) FILTER (WHERE x.tx_id IS NULL) AS early
          FROM stage_labels s LEFT JOIN scored x USING (tx_id) WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.tx_id = s.tx_id)`);
        await tx.run(`INSERT INTO labels SELECT s.*, ${now},
            CASE WHEN EXISTS (SELECT 1 FROM scored x WHERE x.tx_id = s.tx_id) THEN nextval('join_seq') ELSE NULL END
          FROM stage_labels s WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.tx_id = s.tx_id)`);
        await tx.run('DELETE FROM stage_labels');
        await bump(tx, {
          labels_received: labels.length,
          labels_duplicate: labels.length - latest.size + num(c?.dup),
          labels_corrected: num(c?.corrected),
          labels_stale: num(c?.stale),
          labels_joined: num(n?.joinable),
          labels_early: num(n?.early),
        });
      });
    },

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
          'DELETE FROM labels WHERE join_seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scored x WHERE x.tx_id = labels.tx_id)',
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

    async loadLabelled(q) {
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
      const base = `SELECT s.tx_id, s.event_time, s.features, s.amount, s.tx_type, s.score, s.model_version, s.review_threshold,
          s.shadow_score, s.shadow_version, l.is_fraud, l.typology
        FROM scored s JOIN labels l USING (tx_id) WHERE ${where.join(' AND ')}`;
      const sql =
        q.lastN !== undefined
          ? `SELECT * FROM (${base} ORDER BY s.event_time DESC, s.tx_id DESC LIMIT ${Math.floor(q.lastN)}) ORDER BY event_time, tx_id`
          : `${base} ORDER BY s.event_time, s.tx_id`;
      return toLabelled(await db.all(sql, params));
    },

    async newLabelsSince(joinSeq) {
      const [r] =
        await db.all(`SELECT count(*) AS n, count(*) FILTER (WHERE is_fraud) AS f, coalesce(max(join_seq), ${Math.floor(joinSeq)}) AS m
        FROM labels WHERE join_seq > ${Math.floor(joinSeq)}`);
      return { labels: num(r?.n), frauds: num(r?.f), maxSeq: num(r?.m) };
    },

    async recentScored(q) {
      const rows = await db.all(
        `SELECT features, score FROM scored WHERE model_version = $1 ORDER BY event_time DESC LIMIT ${Math.floor(q.limit)}`,
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
      const [r] =
        await db.all(`SELECT (SELECT count(*) FROM scored) AS scored, (SELECT count(*) FROM labels WHERE join_seq IS NOT NULL) AS labels,
          (SELECT count(*) FROM labels WHERE join_seq IS NULL) AS pending, (SELECT min(event_time) FROM scored) AS mn, (SELECT max(event_time) FROM scored) AS mx`);
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

async function bump(tx: Pick<Db, 'run'>, deltas: Partial<Counters>): Promise<void> {
  for (const [name, v] of Object.entries(deltas)) {
    if (!v) continue;
    await tx.run(
      `INSERT INTO counters VALUES ($1, ${Math.floor(v)}) ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value`,
      [name],
    );
  }
}

function appendScored(app: DuckDBAppender, r: ScoredTransaction): void {
  const t = r.transaction;
  app.appendVarchar(t.txId);
  app.appendBigInt(BigInt(Math.trunc(t.eventTime)));
  app.appendVarchar(t.type);
  app.appendBigInt(BigInt(Math.trunc(t.amount)));
  app.appendVarchar(t.originAccount);
  app.appendVarchar(r.featureSet);
  app.appendBlob(floatsToBlob(r.features));
  app.appendDouble(r.score);
  app.appendVarchar(r.decision);
  app.appendDouble(r.reviewThreshold);
  app.appendDouble(r.blockThreshold);
  app.appendVarchar(r.modelVersion);
  if (r.shadow) {
    app.appendVarchar(r.shadow.modelVersion);
    app.appendDouble(r.shadow.score);
    app.appendVarchar(r.shadow.decision);
  } else {
    app.appendNull();
    app.appendNull();
    app.appendNull();
  }
  app.appendBigInt(BigInt(Math.trunc(r.scoredAt)));
  app.endRow();
}

function appendLabel(app: DuckDBAppender, l: Label): void {
  app.appendVarchar(l.txId);
  app.appendBoolean(l.isFraud);
  app.appendVarchar(l.source);
  app.appendBigInt(BigInt(Math.trunc(l.labeledAt)));
  nullableVarchar(app, l.typology);
  nullableVarchar(app, l.author);
  nullableVarchar(app, l.note);
  app.endRow();
}

function nullableVarchar(app: DuckDBAppender, v: string | null): void {
  if (v === null) app.appendNull();
  else app.appendVarchar(v);
}

export function floatsToBlob(values: readonly number[] | Float32Array): Uint8Array {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
}

export function blobToFloats(blob: Uint8Array): Float32Array {
  const copy = blob.slice();
  return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
}

function toLabelled(rows: Record<string, unknown>[]): LabelledRows {
  const first = rows[0];
  const cols = first ? (first.features as Uint8Array).byteLength / 4 : 0;
  const n = rows.length;
  const out: LabelledRows = {
    txIds: [],
    eventTime: new Float64Array(n),
    features: new Float32Array(n * cols),
    cols,
    labels: new Float32Array(n),
    amount: new Float64Array(n),
    txType: [],
    typology: [],
    score: new Float64Array(n),
    modelVersion: [],
    reviewThreshold: new Float64Array(n),
    shadowScore: [],
    shadowVersion: [],
  };
  rows.forEach((r, i) => {
    out.txIds.push(String(r.tx_id));
    out.eventTime[i] = num(r.event_time);
    const f = blobToFloats(r.features as Uint8Array);
    if (f.length === cols) out.features.set(f, i * cols);
    else out.features.fill(Number.NaN, i * cols, (i + 1) * cols);
    out.labels[i] = r.is_fraud === true ? 1 : 0;
    out.amount[i] = num(r.amount);
    out.txType.push(String(r.tx_type));
    out.typology.push(r.typology === null || r.typology === undefined ? null : String(r.typology));
    out.score[i] = num(r.score);
    out.modelVersion.push(String(r.model_version));
    out.reviewThreshold[i] = num(r.review_threshold);
    out.shadowScore.push(r.shadow_score === null || r.shadow_score === undefined ? null : num(r.shadow_score));
    out.shadowVersion.push(
      r.shadow_version === null || r.shadow_version === undefined ? null : String(r.shadow_version),
    );
  });
  return out;
}
