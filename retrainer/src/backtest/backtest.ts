import { randomUUID } from 'node:crypto';
import { FraudError } from '@fraud/common';
import { evaluate, scoreTransactions, summarise, type EvalReport, type LoadedArtifact } from '@fraud/model';
import type { Transaction } from '@fraud/schemas';
import type { BacktestRecord } from '../store/registry-store.ts';

/** One replayed transaction and its truth (null: no label known, not evaluated). */
export interface BacktestRow {
  tx: Transaction;
  isFraud: boolean | null;
  typology: string | null;
}

export interface BacktestResult {
  record: BacktestRecord;
  report: EvalReport;
}

/**
 * Replays transactions through a model offline: features for ALL rows in event-time order
 * with the toolkit's feature code (rows before `evalFrom` only build history), scores with
 * the model's ONNX graph, evaluates the labelled rows in [evalFrom, evalTo] at the model's
 * thresholds: overall, per transaction type and per fraud typology.
 */
export async function runBacktest(q: {
  art: LoadedArtifact;
  rows: readonly BacktestRow[];
  source: string;
  evalFrom?: number;
  evalTo?: number;
  onProgress?: (done: number, total: number) => void;
  now?: number;
}): Promise<BacktestResult> {
  const scored = await scoreTransactions(
    q.art,
    q.rows.map((r) => r.tx),
    q.onProgress,
  );
  const idx: number[] = [];
  q.rows.forEach((r, i) => {
    const t = r.tx.eventTime;
    if (
      r.isFraud !== null &&
      (q.evalFrom === undefined || t >= q.evalFrom) &&
      (q.evalTo === undefined || t <= q.evalTo)
    )
      idx.push(i);
  });
  if (idx.length === 0)
    throw new FraudError(
      'BAD_REQUEST',
      `no labelled transactions in the backtest range (${q.rows.length} replayed); widen --from/--to or wait ` +
        `for labels`,
    );
  const report = evaluate({
    scores: idx.map((i) => scored.scores[i] ?? 0),
    labels: idx.map((i) => (q.rows[i]?.isFraud === true ? 1 : 0)),
    amountsMinor: idx.map((i) => q.rows[i]?.tx.amount ?? 0),
    types: idx.map((i) => q.rows[i]?.tx.type ?? 'PAYMENT'),
    typologies: idx.map((i) => q.rows[i]?.typology ?? null),
    thresholds: q.art.thresholds,
    costs: q.art.costs,
  });
  const summary = summarise(report);
  const {
    byType,
    byTypology: _t,
    ...overall
  } = summary as Record<string, unknown> & { byType: Record<string, unknown>; byTypology: unknown };
  const record: BacktestRecord = {
    backtestId: randomUUID(),
    createdAt: q.now ?? Date.now(),
    version: q.art.metadata.version,
    source: q.source,
    rangeFrom: q.evalFrom ?? null,
    rangeTo: q.evalTo ?? null,
    rows: report.rows,
    positives: report.positives,
    metrics: { ...overall, replayed: q.rows.length },
    perTypology: report.byTypology as unknown as Record<string, unknown>,
    perType: byType,
  };
  return { record, report };
}
