import { describe, expect, it } from 'vitest';
import type { Transaction } from '@fraud/schemas';
import { FEATURE_NAMES, featuresForFile, type FeatureName } from '../../src/features/index.ts';
import { row, tx } from './helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 10);

/** The features that read a balance: unknown when the balance is. */
const BALANCE_FEATURES: readonly FeatureName[] = [
  'orig_balance_before',
  'dest_balance_before',
  'amount_to_orig_balance',
  'empties_account',
  'amount_equals_orig_balance',
  'amount_minus_orig_balance',
  'orig_balance_zero',
  'dest_balance_zero',
  'orig_balance_gap',
  'dest_balance_gap',
];

/** A card payment: no balances, a card type, merchant fields. */
function card(base: Transaction): Transaction {
  return {
    ...base,
    type: 'CARD_PRESENT',
    originBalanceBefore: null,
    destBalanceBefore: null,
    merchantId: base.destAccount,
    merchantCategory: '5411',
    country: 'KE',
  };
}

const history = [
  tx({ t: T0, type: 'TRANSFER', amount: 500, orig: 'C1', ob: 1_000, dest: 'C9', db: 0 }),
  tx({ t: T0 + MIN, type: 'PAYMENT', amount: 300, orig: 'C1', ob: 500, dest: 'C9', db: 500 }),
  tx({ t: T0 + 2 * MIN, type: 'CASH_OUT', amount: 200, orig: 'C1', ob: 200, dest: 'C9', db: 800 }),
];

describe('features of a payment with unknown balances (Transaction v2)', () => {
  it('every balance feature is NaN (missing), never 0, and amount_equals_orig_balance is NaN', () => {
    const txs = [...history.slice(0, 2), card(history[2] as Transaction)];
    const r = row(featuresForFile(txs).data, 2);
    for (const name of BALANCE_FEATURES) expect(r[name], name).toBeNaN();
    expect(r.amount_equals_orig_balance).toBeNaN();
  });

  it('the other features are those of the same payment with balances; an open type sets no PaySim one-hot', () => {
    const withBalances = row(featuresForFile(history).data, 2);
    const unknown = row(featuresForFile([...history.slice(0, 2), card(history[2] as Transaction)]).data, 2);
    for (const name of FEATURE_NAMES) {
      if (BALANCE_FEATURES.includes(name) || name.startsWith('type_')) continue;
      expect(unknown[name], name).toEqual(withBalances[name]);
    }
    for (const name of FEATURE_NAMES.filter((n) => n.startsWith('type_'))) expect(unknown[name], name).toBe(0);
    expect(unknown.orig_count_24h).toBe(2);
  });

  it('a later known balance after an unknown one: the gap to the unknown one is NaN, the rest is as usual', () => {
    const txs = [
      ...history.map(card),
      tx({ t: T0 + 3 * MIN, type: 'TRANSFER', amount: 100, orig: 'C1', ob: 50, dest: 'C9', db: 0 }),
    ];
    const r = row(featuresForFile(txs).data, 3);
    expect(r.orig_balance_gap).toBeNaN();
    expect(r.dest_balance_gap).toBeNaN();
    expect(r.orig_balance_before).toBe(50);
    expect(r.empties_account).toBe(1);
    expect(r.amount_equals_orig_balance).toBe(0);
    expect(r.dest_in_count_1h).toBe(3);
  });

  it('a record that leaves the balances out reads the same as one that sets them null', () => {
    const nulls = card(history[0] as Transaction);
    const { originBalanceBefore: _o, destBalanceBefore: _d, ...omitted } = nulls;
    expect(featuresForFile([omitted]).data).toEqual(featuresForFile([nulls]).data);
  });
});
