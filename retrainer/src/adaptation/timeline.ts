import { num, type Db } from '../store/db.ts';
import type { RunRecord } from '../store/registry-store.ts';

/**
 * Adaptation measured from the training store: per event-time bucket, recall of one fraud
 * typology and overall precision of the decisions as they were made live (logged score vs the
 * logged review threshold: what the model in force at the time decided).
 */
export interface Bucket {
  /** Bucket start, epoch ms (event time). */
  at: number;
  frauds: number;
  caught: number;
  recall: number | null;
  flagged: number;
  flaggedFraud: number;
  precision: number | null;
}

export async function typologyTimeline(db: Db, typology: string, bucketMs: number): Promise<Bucket[]> {
  const rows = await db.all(
    `SELECT (s.event_time // ${bucketMs}) * ${bucketMs} AS at,
      count(*) FILTER (WHERE l.is_fraud AND l.typology = $1) AS frauds,
      count(*) FILTER (WHERE l.is_fraud AND l.typology = $1 AND s.score >= s.review_threshold) AS caught,
      count(*) FILTER (WHERE s.score >= s.review_threshold) AS flagged,
      count(*) FILTER (WHERE s.score >= s.review_threshold AND l.is_fraud) AS flagged_fraud
    FROM scored s JOIN labels l USING (tx_id) WHERE l.join_seq IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [typology],
  );
  return rows.map((r) => {
    const frauds = num(r.frauds);
    const caught = num(r.caught);
    const flagged = num(r.flagged);
    const flaggedFraud = num(r.flagged_fraud);
    return {
      at: num(r.at),
      frauds,
      caught,
      recall: frauds ? caught / frauds : null,
      flagged,
      flaggedFraud,
      precision: flagged ? flaggedFraud / flagged : null,
    };
  });
}

/** Recall of the typology and overall precision over scored rows in [from, to) of event time. */
export async function windowQuality(
  db: Db,
  typology: string,
  from: number,
  to: number,
): Promise<{ frauds: number; recall: number | null; precision: number | null }> {
  const [r] = await db.all(
    `SELECT count(*) FILTER (WHERE l.is_fraud AND l.typology = $1) AS frauds,
      count(*) FILTER (WHERE l.is_fraud AND l.typology = $1 AND s.score >= s.review_threshold) AS caught,
      count(*) FILTER (WHERE s.score >= s.review_threshold) AS flagged,
      count(*) FILTER (WHERE s.score >= s.review_threshold AND l.is_fraud) AS flagged_fraud
    FROM scored s JOIN labels l USING (tx_id) WHERE l.join_seq IS NOT NULL${bound('>=', from)}${bound('<', to)}`,
    [typology],
  );
  const frauds = num(r?.frauds);
  const flagged = num(r?.flagged);
  return {
    frauds,
    recall: frauds ? num(r?.caught) / frauds : null,
    precision: flagged ? num(r?.flagged_fraud) / flagged : null,
  };
}

/** Fraud labels of the typology the store had joined when a run started (its join sequence). */
export async function typologyLabelsAt(db: Db, typology: string, joinSeq: number): Promise<number> {
  const [r] = await db.all(
    `SELECT count(*) AS n FROM labels WHERE is_fraud AND typology = $1 AND join_seq IS NOT NULL AND join_seq ` +
      `<= ${Math.floor(joinSeq)}`,
    [typology],
  );
  return num(r?.n);
}

/** Event time at which a run started (the newest scored transaction then). */
export function runEventTime(run: RunRecord): number | null {
  const t = run.details?.eventTimeAtStart;
  return typeof t === 'number' ? t : null;
}

/** An event-time bound for SQL; an infinite bound is no bound. */
function bound(op: '>=' | '<', t: number): string {
  return Number.isFinite(t) ? ` AND s.event_time ${op} ${Math.floor(t)}` : '';
}
