import type { DuckDBAppender } from '@duckdb/node-api';
import type { Label, ScoredTransaction } from '@fraud/schemas';
import { num } from './db.ts';
import type { LabelledRows } from './training-store.ts';

/** Rows of the training store to and from DuckDB: appender rows in table column order, blobs, result rows. */

export function appendScored(app: DuckDBAppender, r: ScoredTransaction): void {
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
  app.appendVarchar(JSON.stringify(r.transaction));
  app.endRow();
}

export function appendLabel(app: DuckDBAppender, l: Label): void {
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

/** n rows of `cols` features, zero-filled, for a reader to fill in place. */
export function emptyLabelled(n: number, cols: number): LabelledRows {
  return {
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
}

export function toLabelled(rows: Record<string, unknown>[]): LabelledRows {
  const first = rows[0];
  const cols = first ? (first.features as Uint8Array).byteLength / 4 : 0;
  const n = rows.length;
  const out = emptyLabelled(n, cols);
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
