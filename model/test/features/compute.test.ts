import { describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import {
  computeFeatures,
  createDestinationView,
  createFeatureState,
  DEFAULT_FEATURE_OPTIONS,
  featuresForFile,
  FEATURE_NAMES,
  NUM_FEATURES,
  resolveFeatureOptions,
  restoreFeatureState,
  type FeatureName,
  type FeatureOptions,
} from '../../src/features/index.ts';
import { row, tx } from './helpers.ts';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1, 10); // 10:00 UTC

/** Every feature of a row with no history: zero counts, NaN for "no previous". */
function fresh(overrides: Partial<Record<FeatureName, number>>): Record<FeatureName, number> {
  const base = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as Record<FeatureName, number>;
  for (const n of [
    'orig_secs_since_prev',
    'orig_amount_to_mean',
    'orig_balance_gap',
    'dest_secs_since_prev_in',
    'dest_balance_gap',
    'amount_to_orig_balance',
  ] as const)
    base[n] = NaN;
  base.orig_new_payee = 1;
  return { ...base, ...overrides };
}

function expectRow(actual: Record<FeatureName, number>, expected: Record<FeatureName, number>, label: string): void {
  for (const n of FEATURE_NAMES) {
    const e = expected[n];
    if (Number.isNaN(e)) expect(actual[n], `${label} ${n}`).toBeNaN();
    else expect(actual[n], `${label} ${n}`).toBe(Math.fround(e));
  }
}

// A hand-built history; times chosen to sit exactly on and just inside the window edges, for
// origin (CA) and destination (M1, C2) windows alike. No two rows share an eventTime here.
const t1 = T0;
const t2 = T0 + 30 * MIN;
const t3 = T0 + H - 1; // 1 ms inside the 1 h window of t1
const t4 = T0 + H; // exactly 1 h after t1: t1 leaves the 1 h window
const t5 = T0 + 90 * MIN; // exactly 1 h after t2 (for destination C2)
const t7 = T0 + 24 * H; // exactly 24 h after t1: t1 leaves the 24 h window
const t6 = t2 + 24 * H - 1; // 1 ms inside the 24 h window of t2
const t8 = t2 + 24 * H; // exactly 24 h after t2
const history = [
  tx({ t: t1, type: 'PAYMENT', amount: 1000, orig: 'CA', ob: 5000, dest: 'M1', db: 0 }),
  tx({ t: t2, type: 'TRANSFER', amount: 4000, orig: 'CA', ob: 4000, dest: 'C2', db: 100 }),
  tx({ t: t3, type: 'PAYMENT', amount: 10, orig: 'CA', ob: 0, dest: 'M1', db: 0 }),
  tx({ t: t4, type: 'PAYMENT', amount: 20, orig: 'CA', ob: 0, dest: 'C3', db: 0 }),
  tx({ t: t5, type: 'CASH_OUT', amount: 500, orig: 'CB', ob: 0, dest: 'C2', db: 4100 }),
  tx({ t: t7, type: 'PAYMENT', amount: 5, orig: 'CA', ob: 1000, dest: 'M1', db: 0 }),
  tx({ t: t6, type: 'TRANSFER', amount: 300, orig: 'CC', ob: 300, dest: 'C2', db: 4600 }),
  tx({ t: t8, type: 'CASH_IN', amount: 700, orig: 'CD', ob: 50, dest: 'C2', db: 4900 }),
];

describe('features: hand-computed values for every feature', () => {
  const m = featuresForFile(history);

  it('row 1: first transaction of an account, merchant payee, nothing before', () => {
    expectRow(
      row(m.data, 0),
      fresh({
        type_payment: 1,
        amount: 1000,
        log_amount: Math.log(1001),
        orig_balance_before: 5000,
        dest_balance_before: 0,
        amount_to_orig_balance: 0.2,
        empties_account: 0,
        amount_equals_orig_balance: 0,
        amount_minus_orig_balance: -4000,
        orig_balance_zero: 0,
        dest_balance_zero: 1,
        dest_is_merchant: 1,
        hour_of_day: 10,
      }),
      'row1',
    );
  });

  it('row 2: transfer of the whole balance, 30 min after the previous one, new payee', () => {
    expectRow(
      row(m.data, 1),
      fresh({
        type_transfer: 1,
        amount: 4000,
        log_amount: Math.log(4001),
        orig_balance_before: 4000,
        dest_balance_before: 100,
        amount_to_orig_balance: 1,
        empties_account: 1,
        amount_equals_orig_balance: 1,
        amount_minus_orig_balance: 0,
        hour_of_day: 10,
        orig_count_1h: 1,
        orig_sum_1h: 1000,
        orig_count_24h: 1,
        orig_sum_24h: 1000,
        orig_secs_since_prev: 1800,
        orig_new_payee: 1,
        orig_amount_to_mean: 4,
        orig_tx_count: 1,
        orig_balance_gap: 4000 - (5000 - 1000),
      }),
      'row2',
    );
  });

  it('row 3: 1 ms inside the 1 h window, known payee, zero origin balance', () => {
    expectRow(
      row(m.data, 2),
      fresh({
        type_payment: 1,
        amount: 10,
        log_amount: Math.log(11),
        orig_balance_before: 0,
        dest_balance_before: 0,
        amount_to_orig_balance: NaN,
        empties_account: 1,
        amount_equals_orig_balance: 0,
        amount_minus_orig_balance: 10,
        orig_balance_zero: 1,
        dest_balance_zero: 1,
        dest_is_merchant: 1,
        hour_of_day: 10,
        orig_count_1h: 2,
        orig_sum_1h: 5000,
        orig_count_24h: 2,
        orig_sum_24h: 5000,
        orig_secs_since_prev: 1799.999,
        orig_new_payee: 0,
        orig_amount_to_mean: 10 / 2500,
        orig_tx_count: 2,
        orig_balance_gap: 0 - (4000 - 4000),
        dest_in_count_1h: 1,
        dest_in_count_24h: 1,
        dest_in_sum_24h: 1000,
        dest_fanin_24h: 1,
        dest_secs_since_prev_in: 3599.999,
        dest_balance_gap: 0 - (0 + 1000),
      }),
      'row3',
    );
  });

  it('row 4: exactly 1 h after t1, so t1 is outside the 1 h window but inside 24 h', () => {
    expectRow(
      row(m.data, 3),
      fresh({
        type_payment: 1,
        amount: 20,
        log_amount: Math.log(21),
        amount_to_orig_balance: NaN,
        empties_account: 1,
        amount_minus_orig_balance: 20,
        orig_balance_zero: 1,
        dest_balance_zero: 1,
        hour_of_day: 11,
        orig_count_1h: 2,
        orig_sum_1h: 4010,
        orig_count_24h: 3,
        orig_sum_24h: 5010,
        orig_secs_since_prev: 0.001,
        orig_new_payee: 1,
        orig_amount_to_mean: 20 / (5010 / 3),
        orig_tx_count: 3,
        orig_balance_gap: 0 - (0 - 10),
      }),
      'row4',
    );
  });

  it('row 5: destination seen exactly 1 h before (outside 1 h), cash-out from an empty account', () => {
    expectRow(
      row(m.data, 4),
      fresh({
        type_cash_out: 1,
        amount: 500,
        log_amount: Math.log(501),
        dest_balance_before: 4100,
        amount_to_orig_balance: NaN,
        empties_account: 1,
        amount_minus_orig_balance: 500,
        orig_balance_zero: 1,
        hour_of_day: 11,
        dest_in_count_1h: 0,
        dest_in_count_24h: 1,
        dest_in_sum_24h: 4000,
        dest_fanin_24h: 1,
        dest_in_transfer_24h: 1,
        dest_secs_since_prev_in: 3600,
        dest_balance_gap: 4100 - (100 + 4000),
      }),
      'row5',
    );
  });

  it('row 6: exactly 24 h after t1, so t1 leaves the 24 h window', () => {
    expectRow(
      row(m.data, 5),
      fresh({
        type_payment: 1,
        amount: 5,
        log_amount: Math.log(6),
        orig_balance_before: 1000,
        amount_to_orig_balance: 0.005,
        amount_minus_orig_balance: -995,
        dest_balance_zero: 1,
        dest_is_merchant: 1,
        hour_of_day: 10,
        orig_count_1h: 0,
        orig_sum_1h: 0,
        orig_count_24h: 3,
        orig_sum_24h: 4030,
        orig_secs_since_prev: 23 * 3600,
        orig_new_payee: 0,
        orig_amount_to_mean: 5 / (5030 / 4),
        orig_tx_count: 4,
        orig_balance_gap: 1000 - (0 - 20),
        // M1 last got money at t3 = 23h59m59.999s earlier: inside 24 h; t1 is exactly 24 h earlier: outside
        dest_in_count_24h: 1,
        dest_in_sum_24h: 10,
        dest_fanin_24h: 1,
        dest_secs_since_prev_in: (t7 - t3) / 1000,
        dest_balance_gap: 0 - (0 + 10),
      }),
      'row6',
    );
  });

  it('row 7: destination event 1 ms inside 24 h, fan-in counts distinct senders', () => {
    expectRow(
      row(m.data, 6),
      fresh({
        type_transfer: 1,
        amount: 300,
        log_amount: Math.log(301),
        orig_balance_before: 300,
        dest_balance_before: 4600,
        amount_to_orig_balance: 1,
        empties_account: 1,
        amount_equals_orig_balance: 1,
        hour_of_day: 10,
        dest_in_count_24h: 2,
        dest_in_sum_24h: 4500,
        dest_fanin_24h: 2,
        dest_in_transfer_24h: 1,
        dest_in_cashout_24h: 1,
        dest_secs_since_prev_in: (t6 - t5) / 1000,
        dest_balance_gap: 4600 - (4100 + 500),
      }),
      'row7',
    );
  });

  it('row 8: destination event exactly 24 h before is outside; CASH_IN moves the balance the other way', () => {
    expectRow(
      row(m.data, 7),
      fresh({
        type_cash_in: 1,
        amount: 700,
        log_amount: Math.log(701),
        orig_balance_before: 50,
        dest_balance_before: 4900,
        amount_to_orig_balance: 14,
        empties_account: 1,
        amount_minus_orig_balance: 650,
        hour_of_day: 10,
        dest_in_count_1h: 1,
        dest_in_count_24h: 2,
        dest_in_sum_24h: 800,
        dest_fanin_24h: 2,
        dest_in_transfer_24h: 1,
        dest_in_cashout_24h: 1,
        dest_secs_since_prev_in: 0.001,
        dest_balance_gap: 4900 - (4600 + 300),
      }),
      'row8',
    );
  });

  it('computeFeatures on one state gives the same rows as featuresForFile', () => {
    const state = createFeatureState();
    const online = computeFeatures(history, state);
    expect(Array.from(online)).toEqual(Array.from(m.data));
  });
});

describe('features: same-eventTime rows (fs-v2)', () => {
  // PaySim has whole-hour steps, so equal event times are common. Origin features count an
  // earlier row of the same eventTime (stream order within the origin's partition); destination
  // features only count inbounds strictly before the eventTime, whatever their order or partition.
  const T = T0 + 2 * H; // 12:00
  const same = [
    tx({ id: 's0', t: T - 10 * MIN, type: 'TRANSFER', amount: 300, orig: 'CF', ob: 300, dest: 'C9', db: 50 }),
    tx({ id: 's1', t: T, type: 'TRANSFER', amount: 100, orig: 'CE', ob: 1000, dest: 'C9', db: 350 }),
    tx({ id: 's2', t: T, type: 'TRANSFER', amount: 200, orig: 'CE', ob: 900, dest: 'C9', db: 450 }),
  ];
  const m = featuresForFile(same);

  it('a same-eventTime inbound is not counted for the destination but the same-eventTime row is for the origin', () => {
    expectRow(
      row(m.data, 2),
      fresh({
        type_transfer: 1,
        amount: 200,
        log_amount: Math.log(201),
        orig_balance_before: 900,
        dest_balance_before: 450,
        amount_to_orig_balance: 200 / 900,
        amount_minus_orig_balance: -700,
        hour_of_day: 12,
        // origin CE: s1 at the same eventTime is history
        orig_count_1h: 1,
        orig_sum_1h: 100,
        orig_count_24h: 1,
        orig_sum_24h: 100,
        orig_secs_since_prev: 0,
        orig_new_payee: 0,
        orig_amount_to_mean: 2,
        orig_tx_count: 1,
        orig_balance_gap: 900 - (1000 - 100),
        // destination C9: only s0, 10 min earlier (s1 would give count 2, 0 s and a gap of 0)
        dest_in_count_1h: 1,
        dest_in_count_24h: 1,
        dest_in_sum_24h: 300,
        dest_fanin_24h: 1,
        dest_in_transfer_24h: 1,
        dest_secs_since_prev_in: 600,
        dest_balance_gap: 450 - (50 + 300),
      }),
      'same-time row',
    );
    expect(row(m.data, 1)).toMatchObject({
      dest_in_count_1h: 1,
      dest_secs_since_prev_in: 600,
      dest_balance_gap: 0,
      orig_tx_count: 0,
    });
  });

  it('gives the same rows when the view already holds the same-eventTime and later inbounds', () => {
    const later = tx({ id: 's3', t: T + 1, type: 'CASH_OUT', amount: 5, orig: 'CG', ob: 5, dest: 'C9', db: 0 });
    const view = createDestinationView();
    for (const x of [later, ...same].reverse()) view.add(x);
    const online = computeFeatures(same, createFeatureState({ view }));
    expect(Array.from(online)).toEqual(Array.from(m.data));
    expect(view.duplicates).toBe(3); // computeFeatures offered each row again
  });
});

describe('features: state bounds and expiry', () => {
  it('forgets an account idle longer than the retention (by event time), keeps it at exactly the retention', () => {
    const retentionMs = 25 * H;
    const a = (t: number) => tx({ t, type: 'PAYMENT', amount: 100, orig: 'CX', ob: 1000, dest: 'M9', db: 0 });
    const kept = featuresForFile([a(T0), a(T0 + retentionMs)], { retentionMs });
    expect(row(kept.data, 1).orig_tx_count).toBe(1);
    expect(row(kept.data, 1).orig_secs_since_prev).toBe(25 * 3600);
    expect(row(kept.data, 1).dest_secs_since_prev_in).toBe(25 * 3600); // the view keeps the previous inbound as long
    expect(row(kept.data, 1).dest_in_count_24h).toBe(0);
    const gone = featuresForFile([a(T0), a(T0 + retentionMs + 1)], { retentionMs });
    expect(row(gone.data, 1).orig_tx_count).toBe(0);
    expect(row(gone.data, 1).orig_secs_since_prev).toBeNaN();
    expect(row(gone.data, 1).dest_secs_since_prev_in).toBeNaN();
    expect(row(gone.data, 1).orig_new_payee).toBe(1);
  });

  it('the sweep deletes idle accounts so memory stays bounded', () => {
    const state = createFeatureState();
    const txs = Array.from({ length: 50 }, (_, i) =>
      tx({ t: T0 + i * 2 * H, type: 'PAYMENT', amount: 1, orig: `C${i}`, ob: 10, dest: `M${i}`, db: 0 }),
    );
    for (const t of txs) computeFeatures([t], state);
    // the last is at T0 + 98 h: origins idle > 25 h are gone (74 h ... 98 h remain)
    expect(state.size()).toEqual({ origins: 13 });
    // the view keeps events back to 25 h + its lag allowance, inclusive
    const horizon = T0 + 98 * H - DEFAULT_FEATURE_OPTIONS.retentionMs - state.view.options.lagAllowanceMs;
    const kept = txs.filter((x) => x.eventTime >= horizon).length;
    expect(kept).toBeLessThan(txs.length / 2);
    expect(state.view.size()).toEqual({ destinations: kept, events: kept });
  });

  it('caps window events and payees per account', () => {
    const txs = [0, 1, 2, 3].map((i) =>
      tx({
        t: T0 + i,
        type: 'TRANSFER',
        amount: 10,
        orig: 'CY',
        ob: 100,
        dest: `C${i % 2 === 0 ? 'P' : 'Q'}${i}`,
        db: 0,
      }),
    );
    txs.push(tx({ t: T0 + 10, type: 'TRANSFER', amount: 10, orig: 'CY', ob: 100, dest: 'CP0', db: 0 }));
    const m = featuresForFile(txs, { maxEventsPerAccount: 2, maxPayees: 2 });
    const last = row(m.data, 4);
    expect(last.orig_count_24h).toBe(2); // capped at 2 events
    expect(last.orig_tx_count).toBe(4); // the running count is not capped
    expect(last.orig_new_payee).toBe(1); // CP0 was pushed out by CQ1... CQ3
  });

  it('rejects a bad batch with RECORD_INVALID and leaves the state unchanged', () => {
    const state = createFeatureState();
    const good = tx({ t: T0, type: 'PAYMENT', amount: 1, orig: 'CZ', ob: 10, dest: 'M1', db: 0 });
    const bad = { ...good, amount: Number.NaN };
    let caught: unknown;
    try {
      computeFeatures([good, bad], state);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isFraudError(caught, 'RECORD_INVALID')).toBe(true);
    expect(state.size()).toEqual({ origins: 0 });
    expect(state.view.size()).toEqual({ destinations: 0, events: 0 });
  });

  it('featuresForFile refuses unsorted input', () => {
    const a = tx({ t: T0 + 1, type: 'PAYMENT', amount: 1, orig: 'C1', ob: 10, dest: 'M1', db: 0 });
    const b = tx({ t: T0, type: 'PAYMENT', amount: 1, orig: 'C2', ob: 10, dest: 'M1', db: 0 });
    expect(() => featuresForFile([a, b])).toThrow(/sorted by eventTime/);
  });

  it('writes into a caller buffer and returns a view of the rows written', () => {
    const out = new Float32Array(NUM_FEATURES * 4).fill(7);
    const res = computeFeatures([history[0]!], createFeatureState(), out);
    expect(res.length).toBe(NUM_FEATURES);
    expect(res.buffer).toBe(out.buffer);
    expect(out[NUM_FEATURES]).toBe(7); // untouched beyond the rows written
  });
});

describe('features: options', () => {
  it('ignores the retired numPartitions option of fs-v1 metadata', () => {
    const legacy = { numPartitions: 3, maxPayees: 8 } as Partial<FeatureOptions>;
    expect(resolveFeatureOptions(legacy)).toEqual({ ...DEFAULT_FEATURE_OPTIONS, maxPayees: 8 });
    expect(featuresForFile(history, legacy).data).toEqual(featuresForFile(history, { maxPayees: 8 }).data);
  });

  it('refuses an fs-v1 state snapshot', () => {
    const snap = { ...createFeatureState().snapshot(), format: 'fraud-feature-state/1', dests: [] };
    expect(() => restoreFeatureState(snap)).toThrow(/unknown format fraud-feature-state\/1/);
  });
});
