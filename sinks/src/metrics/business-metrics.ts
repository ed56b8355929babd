import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Label, ScoredTransaction } from '@fraud/schemas';
import { ConfusionWindow } from './confusion-window.ts';
import { JoinCache } from './join-cache.ts';

export interface BusinessMetricsOptions {
  registry: Registry;
  windowMs: number;
  joinCacheSize: number;
  now?: () => number;
}

export interface BusinessMetrics {
  onScored(s: ScoredTransaction): void;
  onLabel(l: Label): void;
}

/**
 * Business metrics from `scored` and `labels`. Amounts are in minor units (the currency's
 * smallest unit, as in the records), labelled by currency. Precision/recall/FPR are over
 * labels received in the last windowMs, joined to decisions still in the join cache.
 */
export function createBusinessMetrics(o: BusinessMetricsOptions): BusinessMetrics {
  const now = o.now ?? Date.now;
  const cache = new JoinCache(o.joinCacheSize);
  const window = new ConfusionWindow(o.windowMs);
  const d = decisionMetrics([o.registry]);
  const l = labelMetrics([o.registry]);
  registerWindowGauges([o.registry], cache, window, now);
  l.unmatched.inc(0);
  return { onScored: scoredHandler(d, cache), onLabel: labelHandler(l, cache, window, now) };
}

function decisionMetrics(r: Registry[]) {
  const decisions = new Counter({
    name: 'fraud_decisions_total',
    help: 'Decisions by outcome and transaction type',
    labelNames: ['decision', 'type'],
    registers: r,
  });
  const byModel = new Counter({
    name: 'fraud_decisions_by_model_total',
    help: 'Decisions by model version',
    labelNames: ['version'],
    registers: r,
  });
  const blocked = new Counter({
    name: 'fraud_amount_blocked_minor_total',
    help: 'Amount of BLOCKed transactions, minor units',
    labelNames: ['currency'],
    registers: r,
  });
  const reviewed = new Counter({
    name: 'fraud_amount_review_minor_total',
    help: 'Amount of transactions sent to REVIEW, minor units',
    labelNames: ['currency'],
    registers: r,
  });
  const approved = new Counter({
    name: 'fraud_amount_approved_minor_total',
    help: 'Amount of APPROVEd transactions, minor units',
    labelNames: ['currency'],
    registers: r,
  });
  const score = new Histogram({
    name: 'fraud_score',
    help: 'Model score of every decision',
    buckets: Array.from({ length: 20 }, (_, i) => Math.round((i + 1) * 0.05 * 100) / 100),
    registers: r,
  });
  const modelInfo = new Gauge({
    name: 'fraud_model_info',
    help: 'Model version deciding now (1) per the latest scored record',
    labelNames: ['version'],
    registers: r,
  });
  return { decisions, byModel, blocked, reviewed, approved, score, modelInfo };
}

function labelMetrics(r: Registry[]) {
  const labels = new Counter({
    name: 'fraud_labels_total',
    help: 'Labels received by source and truth',
    labelNames: ['source', 'is_fraud'],
    registers: r,
  });
  const unmatched = new Counter({
    name: 'fraud_labels_unmatched_total',
    help: 'Labels whose decision is not in the join cache (too old, or never seen)',
    registers: r,
  });
  const delay = new Histogram({
    name: 'fraud_label_delay_seconds',
    help: 'Label time minus transaction event time',
    labelNames: ['source'],
    buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400, 30 * 86400],
    registers: r,
  });
  const typology = new Counter({
    name: 'fraud_typology_total',
    help: 'Labelled fraud by typology (unknown when not given)',
    labelNames: ['typology'],
    registers: r,
  });
  const missed = new Counter({
    name: 'fraud_amount_missed_minor_total',
    help: 'Amount of labelled fraud that was APPROVEd, minor units',
    registers: r,
  });
  return { labels, unmatched, delay, typology, missed };
}

/** Gauges read at scrape time: the join cache's size and the sliding window's live quality. */
function registerWindowGauges(r: Registry[], cache: JoinCache, window: ConfusionWindow, now: () => number): void {
  new Gauge({
    name: 'fraud_join_cache_entries',
    help: 'Decisions held for joining labels',
    registers: r,
    collect() {
      this.set(cache.size);
    },
  });
  const live = (name: string, help: string, pick: (s: ReturnType<ConfusionWindow['snapshot']>) => number | null) =>
    new Gauge({
      name,
      help,
      registers: r,
      collect() {
        const v = pick(window.snapshot(now()));
        this.set(v ?? Number.NaN); // NaN = no labelled decisions in the window (unknown, not 0)
      },
    });
  live(
    'fraud_live_precision',
    'Share of labelled REVIEW/BLOCK decisions that were fraud (sliding window)',
    (s) => s.precision,
  );
  live('fraud_live_recall', 'Share of labelled fraud that was REVIEWed or BLOCKed (sliding window)', (s) => s.recall);
  live(
    'fraud_live_false_positive_rate',
    'Share of labelled legitimate transactions that were REVIEWed or BLOCKed (sliding window)',
    (s) => s.falsePositiveRate,
  );
  new Gauge({
    name: 'fraud_live_confusion',
    help: 'Labelled decisions in the sliding window by confusion cell',
    labelNames: ['cell'],
    registers: r,
    collect() {
      const s = window.snapshot(now());
      for (const cell of ['tp', 'fp', 'fn', 'tn'] as const) this.labels(cell).set(s[cell]);
    },
  });
}

/** Counts the decision and keeps it in the join cache for the label that may follow. */
function scoredHandler(m: ReturnType<typeof decisionMetrics>, cache: JoinCache): BusinessMetrics['onScored'] {
  const { decisions, byModel, blocked, reviewed, approved, score, modelInfo } = m;
  let currentVersion: string | null = null;
  return (s) => {
    const t = s.transaction;
    decisions.labels(s.decision, t.type).inc();
    byModel.labels(s.modelVersion).inc();
    (s.decision === 'BLOCK' ? blocked : s.decision === 'REVIEW' ? reviewed : approved).labels(t.currency).inc(t.amount);
    score.observe(s.score);
    if (currentVersion !== s.modelVersion) {
      if (currentVersion !== null) modelInfo.remove(currentVersion);
      currentVersion = s.modelVersion;
      modelInfo.labels(s.modelVersion).set(1);
    }
    cache.set(t.txId, { decision: s.decision, eventTime: t.eventTime, amount: t.amount });
  };
}

/** Counts the label; joined to its decision, it feeds the delay, the missed amount and the window. */
function labelHandler(
  m: ReturnType<typeof labelMetrics>,
  cache: JoinCache,
  window: ConfusionWindow,
  now: () => number,
): BusinessMetrics['onLabel'] {
  const { labels, unmatched, delay, typology, missed } = m;
  return (l) => {
    labels.labels(l.source, String(l.isFraud)).inc();
    if (l.isFraud) typology.labels(l.typology ?? 'unknown').inc();
    const d = cache.get(l.txId);
    if (!d) {
      unmatched.inc();
      return;
    }
    delay.labels(l.source).observe(Math.max(0, (l.labeledAt - d.eventTime) / 1000));
    if (l.isFraud && d.decision === 'APPROVE') missed.inc(d.amount);
    window.add(ConfusionWindow.cell(d.decision !== 'APPROVE', l.isFraud), now());
  };
}
