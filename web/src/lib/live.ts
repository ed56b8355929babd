import type { Decision, ScoredTransaction } from '@fraud/schemas';

/**
 * Shapes of the live feed (Socket.io from the sinks) as the Live page uses them. The feed sends
 * `decision` (a ScoredTransaction as JSON) and `stats` once a second; normalise* tolerate fields
 * the feed does not send (they show as "–").
 */
/** Totals over a span of the stream (the sink's `recent` = last 5 min, `sinceStart` = its uptime). */
export interface LiveWindow {
  seconds: number;
  count: number;
  block: number;
  blockedAmount: number;
  flaggedRate: number | null;
}

export interface LiveStats {
  at: number;
  txPerSec: number | null;
  fraudRate: number | null;
  approvals: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  consumerLag: number | null;
  modelVersion: string | null;
  decisions: Record<Decision, number>;
  recent: LiveWindow | null;
  sinceStart: LiveWindow | null;
}

export interface LiveRow {
  txId: string;
  eventTime: number;
  type: string;
  amount: number;
  currency: string;
  origin: string;
  dest: string;
  decision: Decision;
  score: number;
  reasons: string;
  modelVersion: string;
  receivedAt: number;
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

export function normalizeStats(raw: unknown, now = Date.now()): LiveStats {
  const s = obj(raw);
  const lat = obj(s.latency ?? s.latencyMs);
  const dec = obj(s.decisions ?? s.byDecision);
  return {
    at: n(s.at) ?? n(s.ts) ?? now,
    txPerSec: n(s.txPerSecond) ?? n(s.txPerSec) ?? n(s.tps),
    fraudRate: n(s.fraudRate),
    approvals: n(s.approvals) ?? n(dec.APPROVE),
    latencyP50Ms: n(s.latencyP50Ms) ?? n(lat.p50),
    latencyP99Ms: n(s.latencyP99Ms) ?? n(lat.p99),
    consumerLag: n(s.consumerLag) ?? n(s.lag),
    modelVersion: typeof s.modelVersion === 'string' ? s.modelVersion : null,
    decisions: { APPROVE: n(dec.APPROVE) ?? 0, REVIEW: n(dec.REVIEW) ?? 0, BLOCK: n(dec.BLOCK) ?? 0 },
    recent: liveWindow(s.recent),
    sinceStart: liveWindow(s.sinceStart),
  };
}

function liveWindow(raw: unknown): LiveWindow | null {
  const w = obj(raw);
  const seconds = n(w.seconds);
  const count = n(w.count);
  if (seconds === null || count === null) return null;
  const flaggedRate = n(w.flaggedRate);
  return { seconds, count, block: n(w.block) ?? 0, blockedAmount: n(w.blockedAmount) ?? 0, flaggedRate };
}

/** Accepts the feed's flat payload (sinks feedPayload) or a nested ScoredTransaction. */
export function toLiveRow(raw: unknown, receivedAt = Date.now()): LiveRow | null {
  const r = obj(raw) as Partial<ScoredTransaction>;
  const t = r.transaction ? obj(r.transaction) : obj(raw);
  if (typeof t.txId !== 'string' || (r.decision !== 'APPROVE' && r.decision !== 'REVIEW' && r.decision !== 'BLOCK'))
    return null;
  const reasons = Array.isArray(r.reasons)
    ? r.reasons
        .slice(0, 3)
        .map(
          (x) =>
            `${x.feature}=${formatNumber(x.value)} (${x.contribution >= 0 ? '+' : ''}${x.contribution.toFixed(2)})`,
        )
        .join(', ')
    : '';
  const rules = Array.isArray(r.rulesFired) && r.rulesFired.length ? ` [${r.rulesFired.join(', ')}]` : '';
  return {
    txId: t.txId,
    eventTime: n(t.eventTime) ?? 0,
    type: String(t.type ?? ''),
    amount: n(t.amount) ?? 0,
    currency: String(t.currency ?? ''),
    origin: String(t.originAccount ?? ''),
    dest: String(t.destAccount ?? ''),
    decision: r.decision,
    score: n(r.score) ?? 0,
    reasons: reasons + rules,
    modelVersion: String(r.modelVersion ?? ''),
    receivedAt,
  };
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/** Minor units to a display amount (2 decimals). */
export function formatAmount(minor: number, currency = ''): string {
  const amount = (minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${amount}${currency ? ` ${currency}` : ''}`;
}

/** Bounded newest-first list: the table never holds more than `cap` rows, whatever the stream rate. */
export function pushCapped<T>(list: T[], incoming: readonly T[], cap: number): T[] {
  if (incoming.length >= cap) return incoming.slice(-cap).reverse();
  const out = incoming.slice().reverse();
  for (let i = 0; i < list.length && out.length < cap; i++) out.push(list[i]!);
  return out;
}

/** 20-bin histogram of scores in [0, 1]. */
export function scoreHistogram(scores: readonly number[], bins = 20): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const s of scores) out[Math.min(bins - 1, Math.max(0, Math.floor(s * bins)))]!++;
  return out;
}
