import { describe, expect, it } from 'vitest';
import { TRANSACTION_TYPES, type Transaction } from '@fraud/schemas';
import {
  createDestinationView,
  DAY_MS,
  HOUR_MS,
  noDestHistory,
  type DestFeatures,
  type DestinationView,
} from '../../src/features/index.ts';
import { rng, tx } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);
const R = 25 * HOUR_MS; // default retention

function lookup(view: DestinationView, account: string, t: number): DestFeatures {
  return view.lookup(account, t, {
    inCount1h: -1,
    inCount24h: -1,
    inSum24h: -1,
    fanIn24h: -1,
    inTransfer24h: -1,
    inCashout24h: -1,
    secsSincePrevIn: -1,
    prevBalanceAfter: -1,
  });
}

/** What a lookup without history must write over the -1 scratch above. */
const NONE: DestFeatures = noDestHistory();

/** An inbound event to `dest` at t (the sender and balance only matter where a test says so). */
const inbound = (
  dest: string,
  t: number,
  id: string,
  p: { amount?: number; db?: number; orig?: string; type?: Transaction['type'] } = {},
): Transaction =>
  tx({
    id,
    t,
    type: p.type ?? 'TRANSFER',
    amount: p.amount ?? 100,
    orig: p.orig ?? 'CS',
    ob: 1000,
    dest,
    db: p.db ?? 0,
  });

/**
 * The fs-v2 definition written out naively: events strictly before t, previous inbound = the
 * largest (eventTime, txId) before t and only within the retention, windows t - s < 1 h / 24 h.
 */
function reference(events: readonly Transaction[], account: string, t: number, retentionMs: number): DestFeatures {
  const before = events.filter((e) => e.destAccount === account && e.eventTime < t);
  const uniq = new Map(before.map((e) => [`${e.eventTime}/${e.txId}`, e]));
  const sorted = [...uniq.values()].sort(
    (a, b) => a.eventTime - b.eventTime || (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0),
  );
  const prev = sorted[sorted.length - 1];
  if (prev === undefined || t - prev.eventTime > retentionMs) return { ...NONE };
  const day = sorted.filter((e) => t - e.eventTime < DAY_MS);
  return {
    inCount1h: day.filter((e) => t - e.eventTime < HOUR_MS).length,
    inCount24h: day.length,
    inSum24h: day.reduce((s, e) => s + e.amount, 0),
    fanIn24h: new Set(day.map((e) => e.originAccount)).size,
    inTransfer24h: day.filter((e) => e.type === 'TRANSFER').length,
    inCashout24h: day.filter((e) => e.type === 'CASH_OUT').length,
    secsSincePrevIn: (t - prev.eventTime) / 1000,
    prevBalanceAfter: (prev.destBalanceBefore ?? NaN) + (prev.type === 'CASH_IN' ? -1 : 1) * prev.amount,
  };
}

describe('DestinationView lookups', () => {
  it('out-of-order adds give the same lookups as in-order adds, and both match the definition', () => {
    const r = rng(11);
    const events: Transaction[] = [];
    let t = T0;
    for (let i = 0; i < 600; i++) {
      if (r() < 0.6) t += Math.floor(r() * 20 * 60_000); // many same-eventTime ties
      events.push(
        inbound(`C${Math.floor(r() * 6)}`, t, `tx${Math.floor(r() * 1e6)}-${i}`, {
          // random txId order among ties
          amount: Math.floor(r() * 1000),
          db: Math.floor(r() * 5000),
          orig: `C${100 + Math.floor(r() * 8)}`,
          type: TRANSACTION_TYPES[Math.floor(r() * 5)] ?? 'PAYMENT',
        }),
      );
    }
    const inOrder = createDestinationView({ lagAllowanceMs: 30 * DAY_MS });
    for (const e of events) inOrder.add(e);
    const shuffled = createDestinationView({ lagAllowanceMs: 30 * DAY_MS });
    const perm = events.map((e) => ({ e, k: r() })).sort((a, b) => a.k - b.k);
    for (const { e } of perm) shuffled.add(e);
    expect(shuffled.size()).toEqual(inOrder.size());
    expect(inOrder.size().events).toBe(events.length);

    let checked = 0;
    let withHistory = 0;
    for (let i = 0; i < 400; i++) {
      const e = events[Math.floor(r() * events.length)] as Transaction;
      // at an event's own time (same-eventTime events excluded), just after it, and in between
      const at = [e.eventTime, e.eventTime + 1, e.eventTime + Math.floor(r() * 2 * DAY_MS)][i % 3] as number;
      const account = `C${i % 6}`;
      const want = reference(events, account, at, R);
      expect(lookup(inOrder, account, at), `in order ${account}@${at}`).toEqual(want);
      expect(lookup(shuffled, account, at), `shuffled ${account}@${at}`).toEqual(want);
      checked++;
      if (want.inCount24h > 1) withHistory++;
    }
    expect(checked).toBe(400);
    expect(withHistory).toBeGreaterThan(100); // the comparison saw real windows, not only empty ones
  });

  it('stores an identical (destination, eventTime, txId) once and counts the duplicate', () => {
    const view = createDestinationView();
    const a = inbound('C1', T0, 'a', { amount: 100 });
    const b = inbound('C1', T0 + 1000, 'b', { amount: 200 });
    expect(view.add(a)).toBe(true);
    expect(view.add(b)).toBe(true);
    expect(view.add(a)).toBe(false); // the older one again, after a newer one (binary search path)
    expect(view.add(b)).toBe(false); // the newest again (append path)
    expect(view.add({ ...a, amount: 999 })).toBe(false); // same key, other payload: still the same record
    expect(view.duplicates).toBe(3);
    expect(view.size()).toEqual({ destinations: 1, events: 2 });
    expect(lookup(view, 'C1', T0 + HOUR_MS)).toMatchObject({ inCount24h: 2, inSum24h: 300 });
    // not duplicates: same time other txId, same txId other destination, same txId other time
    expect(view.add(inbound('C1', T0, 'a2'))).toBe(true);
    expect(view.add(inbound('C2', T0, 'a'))).toBe(true);
    expect(view.add(inbound('C1', T0 + 5, 'a'))).toBe(true);
    expect(view.duplicates).toBe(3);
    expect(view.size()).toEqual({ destinations: 2, events: 5 });
  });

  it('breaks same-eventTime ties by txId for the previous inbound, whatever the arrival order', () => {
    const s = T0 + HOUR_MS;
    const a = inbound('C7', s, 'a', { amount: 10, db: 1000 });
    const b = inbound('C7', s, 'b', { amount: 20, db: 5000, type: 'CASH_IN' });
    const early = inbound('C7', s - 60_000, 'z', { amount: 40, db: 7000 }); // larger txId, earlier time
    for (const order of [
      [a, b, early],
      [b, a, early],
      [early, b, a],
      [b, early, a],
    ]) {
      const view = createDestinationView();
      for (const e of order) view.add(e);
      const got = lookup(view, 'C7', s + 30_000);
      expect(got.secsSincePrevIn, order.map((e) => e.txId).join()).toBe(30);
      expect(got.prevBalanceAfter, order.map((e) => e.txId).join()).toBe(5000 - 20); // b: CASH_IN debits the agent
      expect(got.inCount1h).toBe(3);
      // at s itself neither tied event is "before": the previous inbound is the earlier one
      expect(lookup(view, 'C7', s)).toMatchObject({ inCount1h: 1, secsSincePrevIn: 60, prevBalanceAfter: 7040 });
    }
  });

  it('counts exactly at the window edges: t - s < 1 h and t - s < 24 h, strictly before t', () => {
    const view = createDestinationView();
    const s = T0;
    view.add(inbound('C1', s, 'a', { amount: 70 }));
    expect(lookup(view, 'C1', s)).toEqual(NONE); // same eventTime: not before
    expect(lookup(view, 'C1', s + 1)).toMatchObject({
      inCount1h: 1,
      inCount24h: 1,
      inSum24h: 70,
      secsSincePrevIn: 0.001,
    });
    expect(lookup(view, 'C1', s + HOUR_MS - 1)).toMatchObject({ inCount1h: 1, inCount24h: 1 });
    expect(lookup(view, 'C1', s + HOUR_MS)).toMatchObject({
      inCount1h: 0,
      inCount24h: 1,
      inSum24h: 70,
      fanIn24h: 1,
      inTransfer24h: 1,
    });
    expect(lookup(view, 'C1', s + DAY_MS - 1)).toMatchObject({ inCount1h: 0, inCount24h: 1, inSum24h: 70 });
    // out of the 24 h window but still the previous inbound (retention is 25 h)
    expect(lookup(view, 'C1', s + DAY_MS)).toEqual({ ...NONE, secsSincePrevIn: 86_400, prevBalanceAfter: 70 });
    expect(lookup(view, 'C2', s + 1)).toEqual(NONE); // another destination
  });

  it('keeps the previous inbound up to exactly the retention, not 1 ms more', () => {
    for (const retentionMs of [R, DAY_MS]) {
      const view = createDestinationView({ retentionMs });
      view.add(inbound('C1', T0, 'a', { amount: 70, db: 30 }));
      expect(lookup(view, 'C1', T0 + retentionMs)).toEqual({
        ...NONE,
        secsSincePrevIn: retentionMs / 1000,
        prevBalanceAfter: 100,
      });
      expect(lookup(view, 'C1', T0 + retentionMs + 1)).toEqual(NONE);
    }
  });
});

describe('DestinationView memory bounds', () => {
  it('drops events before watermark - retention - lagAllowance, sweeps empty destinations, exact at the edge', () => {
    const L = HOUR_MS;
    const view = createDestinationView({ retentionMs: R, lagAllowanceMs: L });
    view.add(inbound('A', T0, 'a0', { amount: 5 }));
    view.add(inbound('B', T0 + HOUR_MS, 'b1'));
    view.add(inbound('B', T0 + R + L, 'b2')); // horizon = T0: a0 is not older than it
    expect(view.size()).toEqual({ destinations: 2, events: 3 });
    // a lookup exactly lagAllowance behind the watermark still sees a0 exactly retention earlier
    expect(lookup(view, 'A', T0 + R)).toEqual({ ...NONE, secsSincePrevIn: R / 1000, prevBalanceAfter: 5 });

    // horizon = T0 + 1 h: A (only a0) is swept; b1 is at the horizon
    view.add(inbound('B', T0 + R + L + HOUR_MS, 'b3'));
    expect(view.size()).toEqual({ destinations: 1, events: 3 });
    expect(lookup(view, 'A', T0 + R)).toEqual(NONE);

    view.add(inbound('B', T0 + R + L + HOUR_MS + 1, 'b4')); // horizon = T0 + 1 h + 1 ms: b1 dropped when B is touched
    expect(view.size()).toEqual({ destinations: 1, events: 3 });
    expect(view.add(inbound('B', T0 + HOUR_MS, 'late'))).toBe(false); // older than the horizon: not stored
    expect(view.add(inbound('C', T0 + HOUR_MS + 1, 'late2'))).toBe(true); // at the horizon: still stored
    expect(view.duplicates).toBe(0);
    expect(view.size()).toEqual({ destinations: 2, events: 4 });
  });

  it('a long stream keeps only the retention plus the lag allowance', () => {
    const view = createDestinationView({ lagAllowanceMs: HOUR_MS });
    for (let i = 0; i < 200; i++) view.add(inbound(`D${i}`, T0 + i * HOUR_MS, `x${i}`));
    // events at T0 + 173 h ... T0 + 199 h are within 26 h of the watermark; older destinations were swept
    expect(view.size()).toEqual({ destinations: 27, events: 27 });
  });

  it('hot destinations saturate at the last maxEventsPerAccount events before t, whatever the view read ahead', () => {
    const L = 10 * 60_000;
    const view = createDestinationView({ maxEventsPerAccount: 3, lagAllowanceMs: L });
    for (let i = 1; i <= 5; i++) view.add(inbound('M1', T0 + i * 60_000, `t${i}`, { amount: i, orig: `C${i}` }));
    // All five are within the lag allowance of the watermark: none may go yet.
    expect(view.size()).toEqual({ destinations: 1, events: 5 });
    expect(lookup(view, 'M1', T0 + HOUR_MS)).toMatchObject({
      inCount1h: 3,
      inCount24h: 3,
      inSum24h: 3 + 4 + 5,
      fanIn24h: 3,
      secsSincePrevIn: 55 * 60,
    });
    // Behind the newest event: the last 3 before t, exactly what an in-order view would count.
    expect(lookup(view, 'M1', T0 + 4.5 * 60_000)).toMatchObject({ inCount24h: 3, inSum24h: 2 + 3 + 4 });

    // The watermark moves on: of the events older than watermark - L, only the last 3 stay.
    view.add(inbound('M1', T0 + 30 * 60_000, 't6', { amount: 6 }));
    expect(view.size()).toEqual({ destinations: 1, events: 4 });
    expect(lookup(view, 'M1', T0 + HOUR_MS)).toMatchObject({ inCount24h: 3, inSum24h: 4 + 5 + 6 });
    // An older event arriving late is inserted in order, then dropped as the oldest.
    view.add(inbound('M1', T0, 't0', { amount: 1000 }));
    expect(view.size()).toEqual({ destinations: 1, events: 4 });
    // Any lookup no older than watermark - L matches a view fed in order up to t.
    for (const t of [T0 + 20 * 60_000, T0 + 25 * 60_000, T0 + 31 * 60_000, T0 + HOUR_MS]) {
      const inOrder = createDestinationView({ maxEventsPerAccount: 3, lagAllowanceMs: L });
      for (let i = 1; i <= 5; i++)
        if (T0 + i * 60_000 < t) inOrder.add(inbound('M1', T0 + i * 60_000, `t${i}`, { amount: i, orig: `C${i}` }));
      if (T0 + 30 * 60_000 < t) inOrder.add(inbound('M1', T0 + 30 * 60_000, 't6', { amount: 6 }));
      expect(lookup(view, 'M1', t), `lookup at +${(t - T0) / 60_000} min`).toEqual(lookup(inOrder, 'M1', t));
    }
  });

  it('refuses a retention shorter than the 24 h windows', () => {
    expect(() => createDestinationView({ retentionMs: DAY_MS - 1 })).toThrow(/retentionMs/);
  });
});
