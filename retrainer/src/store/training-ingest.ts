import type { Label, ScoredTransaction } from '@fraud/schemas';
import { num, type Db } from './db.ts';
import { appendLabel, appendScored } from './training-rows.ts';
import type { Counters } from './training-store.ts';

/**
 * Both inputs of the training store, idempotent: a redelivered batch changes nothing but the
 * duplicate counters. Each batch goes through a staging table in one transaction.
 */

/** Scored records; labels that were waiting for them (early labels) are joined. */
export async function ingestScored(db: Db, records: readonly ScoredTransaction[], now: number): Promise<void> {
  if (records.length === 0) return;
  await db.transaction(async (tx) => {
    const app = await db.connection().createAppender('stage_scored');
    for (const r of records) appendScored(app, r);
    app.closeSync();
    const staged = records.length;
    const inserted = await tx.run(`INSERT INTO scored SELECT s.* EXCLUDE (tx_json), ${now}, s.tx_json
      FROM (SELECT * FROM stage_scored QUALIFY row_number() OVER (PARTITION BY tx_id) = 1) s
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
}

/** Within one batch the newest verdict per txId wins; the others are duplicates. */
function latestPerTx(labels: readonly Label[]): Map<string, Label> {
  const latest = new Map<string, Label>();
  for (const l of labels) {
    const prev = latest.get(l.txId);
    if (!prev || l.labeledAt >= prev.labeledAt) latest.set(l.txId, l);
  }
  return latest;
}

/**
 * Labels: duplicates counted, a newer different verdict corrects the stored one, an older one is
 * stale; a label whose transaction is not scored yet is kept pending (join_seq NULL).
 */
export async function ingestLabels(db: Db, labels: readonly Label[], now: number): Promise<void> {
  if (labels.length === 0) return;
  await db.transaction(async (tx) => {
    const latest = latestPerTx(labels);
    const app = await db.connection().createAppender('stage_labels');
    for (const l of latest.values()) appendLabel(app, l);
    app.closeSync();
    const [c] = await tx.all(`SELECT
        count(*) FILTER (WHERE l.tx_id IS NOT NULL AND l.is_fraud = s.is_fraud) AS dup,
        count(*) FILTER (WHERE l.tx_id IS NOT NULL AND l.is_fraud <> s.is_fraud
          AND s.labeled_at >= l.labeled_at) AS corrected,
        count(*) FILTER (WHERE l.tx_id IS NOT NULL AND l.is_fraud <> s.is_fraud
          AND s.labeled_at < l.labeled_at) AS stale
      FROM stage_labels s LEFT JOIN labels l USING (tx_id)`);
    // A correction is new information: it gets a new join sequence so it counts as a new label.
    await tx.run(`UPDATE labels SET is_fraud = s.is_fraud, source = s.source, labeled_at = s.labeled_at,
        typology = s.typology, author = s.author, note = s.note,
        join_seq = CASE WHEN labels.join_seq IS NULL THEN NULL ELSE nextval('join_seq') END
      FROM stage_labels s
      WHERE labels.tx_id = s.tx_id AND labels.is_fraud <> s.is_fraud AND s.labeled_at >= labels.labeled_at`);
    const [n] = await tx.all(`SELECT count(*) FILTER (WHERE x.tx_id IS NOT NULL) AS joinable,
        count(*) FILTER (WHERE x.tx_id IS NULL) AS early
      FROM stage_labels s LEFT JOIN scored x USING (tx_id)
      WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.tx_id = s.tx_id)`);
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
}

/** Adds to the persistent counters, in the caller's transaction. */
export async function bump(tx: Pick<Db, 'run'>, deltas: Partial<Counters>): Promise<void> {
  for (const [name, v] of Object.entries(deltas)) {
    if (!v) continue;
    await tx.run(
      `INSERT INTO counters VALUES ($1, ${Math.floor(v)})
        ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value`,
      [name],
    );
  }
}
