import type { Transaction } from '@fraud/schemas';
import type { FeatureViews } from './engine/views.ts';
import { fsV2, type LegacyOptions } from './legacy.ts';
import { FEATURE_INDEX as F, HOUR_MS } from './names.ts';

/**
 * The global destination view of fs-v2: the shared entity views of the fs-v2 spec (see
 * engine/views.ts), with the pre-spec API the scorer's feed and tests use. Destination features
 * of a transaction at event time t read inbound events strictly before t over ALL partitions, so
 * online (a feed that reads every partition) and offline (fed row by row) agree exactly.
 */
export interface DestinationViewOptions {
  retentionMs: number;
  maxEventsPerAccount: number;
  lagAllowanceMs: number;
}

/** A scorer partition may lag the view's fastest partition by this much event time and stay exact. */
export const DEFAULT_VIEW_LAG_ALLOWANCE_MS = 6 * HOUR_MS;

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

export class DestinationView {
  readonly options: Readonly<DestinationViewOptions>;
  /** The engine's views (what the fs-v2 states read). */
  readonly views: FeatureViews;
  private readonly legacy: LegacyOptions;
  private readonly scratch = new Float64Array(F.dest_balance_gap + 1);

  constructor(options: DestinationViewOptions, maxPayees = 64) {
    this.options = Object.freeze({ ...options });
    this.legacy = { retentionMs: options.retentionMs, maxEventsPerAccount: options.maxEventsPerAccount, maxPayees };
    this.views = fsV2(this.legacy).createViews({ lagAllowanceMs: options.lagAllowanceMs });
  }

  get watermark(): number {
    return this.views.watermark;
  }

  get duplicates(): number {
    return this.views.duplicates;
  }

  /** Adds one payment; false when (destination, eventTime, txId) is already held or older than the horizon. */
  add(tx: Transaction): boolean {
    return this.views.addTransaction(tx);
  }

  /** Destination features of a payment to `account` at t, from the events strictly before t. */
  lookup(account: string, t: number, out: DestFeatures): DestFeatures {
    const c = fsV2(this.legacy);
    const probe: Transaction = {
      txId: '',
      eventTime: t,
      type: 'OTHER',
      amount: 0,
      currency: 'USD',
      originAccount: '\u0000lookup',
      destAccount: account,
      destBalanceBefore: 0,
      attributes: {},
    };
    const r = this.scratch;
    c.evaluate(probe, c.createState({ views: this.views }), r, 0);
    out.inCount1h = r[F.dest_in_count_1h] as number;
    out.inCount24h = r[F.dest_in_count_24h] as number;
    out.inSum24h = r[F.dest_in_sum_24h] as number;
    out.fanIn24h = r[F.dest_fanin_24h] as number;
    out.inTransfer24h = r[F.dest_in_transfer_24h] as number;
    out.inCashout24h = r[F.dest_in_cashout_24h] as number;
    out.secsSincePrevIn = r[F.dest_secs_since_prev_in] as number;
    // dest_balance_gap = 0 - prevBalanceAfter for a probe whose balance is 0
    out.prevBalanceAfter = 0 - (r[F.dest_balance_gap] as number);
    return out;
  }

  size(): { destinations: number; events: number } {
    const s = this.views.size();
    return { destinations: s.keys, events: s.events };
  }
}
