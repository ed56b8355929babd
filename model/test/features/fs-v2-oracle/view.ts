/** Test oracle: the fs-v2 features before feature specs (see README.md). Never imported by src/. */
import type { Transaction } from '@fraud/schemas';
import { DAY_MS, HOUR_MS, TYPE_CODE } from '../../../src/features/names.ts';

const CASH_IN = TYPE_CODE.CASH_IN ?? 0;
const CASH_OUT = TYPE_CODE.CASH_OUT ?? 1;
const TRANSFER = TYPE_CODE.TRANSFER ?? 4;

/**
 * The global destination view (fs-v2): every destination's inbound transactions of the last
 * 25 h, over ALL partitions of `transactions`. Destination features of a transaction at event
 * time t are computed from the view's events with event time STRICTLY before t, so they do not
 * depend on partitions, on the order in which partitions are read, or on events the view has
 * already read past t: online (a scorer instance whose view reads every partition) and offline
 * (one view fed row by row) agree exactly once the view holds every event before t.
 *
 * Events of one destination are kept sorted by (eventTime, txId), and a (eventTime, txId) pair
 * is stored once: the scorer adds its own batch and the view's consumer adds the same records
 * again, which is harmless. "The previous inbound" among events with the same eventTime is the
 * one with the largest txId, whatever the arrival order.
 *
 * Memory is bounded in event time: events older than retentionMs + lagAllowanceMs behind the
 * view's watermark (largest eventTime added) are dropped, and so are destinations with none
 * left. lagAllowanceMs is how far behind the watermark a lookup may be and still be exact (a
 * scorer partition that lags the view's fastest partition).
 *
 * Hot destinations (merchants) saturate: a lookup counts at most the last maxEventsPerAccount
 * inbound events before t. The view keeps every event newer than watermark - lagAllowanceMs and
 * the last maxEventsPerAccount older ones, so that set is the same whether the view has read
 * ahead of t or not: saturated counts do not depend on timing either.
 */
export interface DestinationViewOptions {
  retentionMs: number;
  maxEventsPerAccount: number;
  lagAllowanceMs: number;
}

/** A scorer partition may lag the view's fastest partition by this much event time and stay exact. */
export const DEFAULT_VIEW_LAG_ALLOWANCE_MS = 6 * HOUR_MS;

interface DestEvents {
  times: number[];
  txIds: string[];
  amounts: number[];
  types: number[];
  senders: string[];
  balances: number[];
}

/** The destination features a lookup writes, in FEATURE_NAMES order from dest_in_count_1h. */
export interface DestFeatures {
  inCount1h: number;
  inCount24h: number;
  inSum24h: number;
  fanIn24h: number;
  inTransfer24h: number;
  inCashout24h: number;
  secsSincePrevIn: number;
  /** Balance before the previous inbound, its signed effect: for the balance gap. */
  prevBalanceAfter: number;
}

/** The destination features of an account with no inbound history: no counts, no previous inbound (NaN). */
export function noDestHistory(): DestFeatures {
  return {
    inCount1h: 0,
    inCount24h: 0,
    inSum24h: 0,
    fanIn24h: 0,
    inTransfer24h: 0,
    inCashout24h: 0,
    secsSincePrevIn: NaN,
    prevBalanceAfter: NaN,
  };
}

/** Sweep empty destinations at most once per this much event time. */
const SWEEP_EVERY_MS = HOUR_MS;

export class DestinationView {
  readonly options: Readonly<DestinationViewOptions>;
  watermark = -Infinity;
  private lastSweep = -Infinity;
  private readonly dests = new Map<string, DestEvents>();
  private eventCount = 0;
  /** Records offered twice (same destination, eventTime and txId), ignored. */
  duplicates = 0;

  constructor(options: DestinationViewOptions) {
    this.options = Object.freeze({ ...options });
  }

  /**
   * Events older than this (strictly) are gone, so lookups at or after watermark - lagAllowance
   * are exact: they need events back to t - retentionMs inclusive.
   */
  private horizon(): number {
    return this.watermark - this.options.retentionMs - this.options.lagAllowanceMs;
  }

  /**
   * Adds one inbound event (the transaction as seen by its destination). Returns false when
   * this (destination, eventTime, txId) is already held, or when it is older than the horizon.
   */
  add(tx: Transaction): boolean {
    const t = tx.eventTime;
    const type = TYPE_CODE[tx.type] ?? 0;
    if (t > this.watermark) this.watermark = t;
    const horizon = this.horizon();
    if (t < horizon) return false;
    let d = this.dests.get(tx.destAccount);
    if (d === undefined) {
      d = { times: [], txIds: [], amounts: [], types: [], senders: [], balances: [] };
      this.dests.set(tx.destAccount, d);
    }
    this.prune(d, horizon);
    const n = d.times.length;
    let pos: number;
    const lastT = n > 0 ? (d.times[n - 1] as number) : -Infinity;
    if (n === 0 || t > lastT || (t === lastT && tx.txId > (d.txIds[n - 1] as string))) {
      pos = n;
    } else {
      pos = lowerBound(d, t, tx.txId);
      if (pos < n && d.times[pos] === t && d.txIds[pos] === tx.txId) {
        this.duplicates++;
        return false;
      }
    }
    if (pos === n) {
      d.times.push(t);
      d.txIds.push(tx.txId);
      d.amounts.push(tx.amount);
      d.types.push(type);
      d.senders.push(tx.originAccount);
      d.balances.push(tx.destBalanceBefore ?? NaN);
    } else {
      d.times.splice(pos, 0, t);
      d.txIds.splice(pos, 0, tx.txId);
      d.amounts.splice(pos, 0, tx.amount);
      d.types.splice(pos, 0, type);
      d.senders.splice(pos, 0, tx.originAccount);
      d.balances.splice(pos, 0, tx.destBalanceBefore ?? NaN);
    }
    this.eventCount++;
    const cap = this.options.maxEventsPerAccount;
    if (d.times.length > cap) {
      // Only events older than any exact lookup (watermark - lag allowance) may go, and of those
      // the last `cap` stay: every lookup still finds its last `cap` events before t.
      const older = lowerBoundTime(d.times, this.watermark - this.options.lagAllowanceMs);
      if (older > cap) this.dropFront(d, older - cap);
    }
    this.maybeSweep();
    return true;
  }

  /**
   * Destination features of a transaction to `account` at event time t, from the events
   * strictly before t. Writes into `out` and returns it.
   */
  lookup(account: string, t: number, out: DestFeatures): DestFeatures {
    out.inCount1h = 0;
    out.inCount24h = 0;
    out.inSum24h = 0;
    out.fanIn24h = 0;
    out.inTransfer24h = 0;
    out.inCashout24h = 0;
    out.secsSincePrevIn = NaN;
    out.prevBalanceAfter = NaN;
    const d = this.dests.get(account);
    if (d === undefined) return out;
    const end = lowerBoundTime(d.times, t);
    if (end === 0) return out;
    const prev = end - 1;
    const prevT = d.times[prev] as number;
    if (t - prevT > this.options.retentionMs) return out;
    let senders: Set<string> | null = null;
    let firstSender: string | null = null;
    const oldest = Math.max(0, end - this.options.maxEventsPerAccount);
    for (let i = prev; i >= oldest; i--) {
      const s = d.times[i] as number;
      if (t - s >= DAY_MS) break;
      out.inCount24h++;
      out.inSum24h += d.amounts[i] as number;
      if (t - s < HOUR_MS) out.inCount1h++;
      const ty = d.types[i];
      if (ty === TRANSFER) out.inTransfer24h++;
      else if (ty === CASH_OUT) out.inCashout24h++;
      const who = d.senders[i] as string;
      if (firstSender === null) firstSender = who;
      else if (senders === null) {
        if (who !== firstSender) senders = new Set([firstSender, who]);
      } else senders.add(who);
    }
    out.fanIn24h = senders !== null ? senders.size : firstSender !== null ? 1 : 0;
    out.secsSincePrevIn = (t - prevT) / 1000;
    const pty = d.types[prev] as number;
    // CASH_IN moves money from the "destination" (the agent) to the origin.
    out.prevBalanceAfter = (d.balances[prev] as number) + (pty === CASH_IN ? -1 : 1) * (d.amounts[prev] as number);
    return out;
  }

  size(): { destinations: number; events: number } {
    return { destinations: this.dests.size, events: this.eventCount };
  }

  private prune(d: DestEvents, horizon: number): void {
    let n = 0;
    while (n < d.times.length && (d.times[n] as number) < horizon) n++;
    if (n > 0) this.dropFront(d, n);
  }

  private dropFront(d: DestEvents, n: number): void {
    d.times.splice(0, n);
    d.txIds.splice(0, n);
    d.amounts.splice(0, n);
    d.types.splice(0, n);
    d.senders.splice(0, n);
    d.balances.splice(0, n);
    this.eventCount -= n;
  }

  private maybeSweep(): void {
    if (this.watermark - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = this.watermark;
    const horizon = this.horizon();
    for (const [k, d] of this.dests) {
      if (d.times.length === 0 || (d.times[d.times.length - 1] as number) < horizon) {
        this.eventCount -= d.times.length;
        this.dests.delete(k);
      }
    }
  }
}

/** First index whose time is >= t. */
function lowerBoundTime(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose (time, txId) is >= (t, txId). */
function lowerBound(d: DestEvents, t: number, txId: string): number {
  let lo = 0;
  let hi = d.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const mt = d.times[mid] as number;
    if (mt < t || (mt === t && (d.txIds[mid] as string) < txId)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
