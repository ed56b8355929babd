import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateTransaction, type Transaction } from '../src/index.ts';
import { sampleTransaction } from './samples.ts';

const NOW = Date.UTC(2026, 10, 25, 12);
const DAY = 24 * 60 * 60 * 1000;

describe('validateTransaction', () => {
  it('accepts a normal transaction, zero amounts and balances, and clock skew under a day', () => {
    expect(validateTransaction(sampleTransaction({ eventTime: NOW }), NOW)).toBeNull();
    expect(
      validateTransaction(
        sampleTransaction({ amount: 0, originBalanceBefore: 0, destBalanceBefore: 0, eventTime: NOW }),
        NOW,
      ),
    ).toBeNull();
    expect(validateTransaction(sampleTransaction({ eventTime: NOW + DAY - 1 }), NOW)).toBeNull();
    expect(validateTransaction(sampleTransaction({ eventTime: Date.UTC(2000, 0, 1) }), NOW)).toBeNull();
  });

  it('accepts unknown balances, the type OTHER with its name, and well-formed card fields', () => {
    const card = sampleTransaction({
      eventTime: NOW,
      type: 'OTHER',
      typeName: 'REFUND',
      originBalanceBefore: null,
      destBalanceBefore: null,
      merchantId: 'M-42',
      merchantCategory: '5411',
      terminalId: 'T-7',
      country: 'KE',
      deviceId: 'dev-1',
    });
    expect(validateTransaction(card, NOW)).toBeNull();
    const { originBalanceBefore: _o, destBalanceBefore: _d, ...omitted } = card;
    expect(validateTransaction(omitted, NOW)).toBeNull();
    expect(validateTransaction(sampleTransaction({ eventTime: NOW, type: 'CARD_NOT_PRESENT' }), NOW)).toBeNull();
  });

  it("bounds eventTime ahead of the clock by the caller's configured allowance, and names it", () => {
    const in3days = sampleTransaction({ eventTime: NOW + 3 * DAY });
    expect(validateTransaction(in3days, NOW)).toContain('is more than 1 day in the future');
    expect(validateTransaction(in3days, NOW, { maxEventAheadMs: 7 * DAY })).toBeNull();
    expect(validateTransaction(in3days, NOW, { maxEventAheadMs: 2 * 3_600_000 })).toContain(
      'is more than 2 hours in the future',
    );
    expect(
      validateTransaction(sampleTransaction({ eventTime: NOW + 8 * DAY }), NOW, { maxEventAheadMs: 7 * DAY }),
    ).toContain('is more than 7 days in the future');
  });

  const bad: Array<[string, Partial<Transaction> | Record<string, unknown>, string]> = [
    ['negative amount', { amount: -1 }, 'amount -1 is negative'],
    ['NaN amount', { amount: Number.NaN }, 'amount NaN is not a finite number'],
    ['infinite amount', { amount: Number.POSITIVE_INFINITY }, 'amount Infinity is not a finite number'],
    ['fractional minor units', { amount: 10.5 }, 'amount 10.5 is not a whole number of minor units'],
    ['empty txId', { txId: '' }, 'txId is empty'],
    ['blank txId', { txId: '   ' }, 'txId is empty'],
    ['empty origin', { originAccount: '' }, 'originAccount is empty'],
    ['empty destination', { destAccount: '' }, 'destAccount is empty'],
    ['negative origin balance', { originBalanceBefore: -5 }, 'originBalanceBefore -5 is negative'],
    ['negative destination balance', { destBalanceBefore: -5 }, 'destBalanceBefore -5 is negative'],
    ['lower-case currency', { currency: 'usd' }, 'currency "usd" is not a 3-letter upper-case ISO 4217 code'],
    ['long currency', { currency: 'USDT' }, 'currency "USDT" is not a 3-letter upper-case ISO 4217 code'],
    ['type outside the enum', { type: 'REFUND' }, 'type REFUND is not one of CASH_IN, CASH_OUT, DEBIT, PAYMENT'],
    ['fractional balance', { originBalanceBefore: 1.5 }, 'originBalanceBefore 1.5 is not a whole number'],
    ['three-digit MCC', { merchantCategory: '541' }, 'merchantCategory "541" is not a 4-digit ISO 18245 MCC'],
    ['lettered MCC', { merchantCategory: '54a1' }, 'merchantCategory "54a1" is not a 4-digit ISO 18245 MCC'],
    ['lower-case country', { country: 'us' }, 'country "us" is not a 2-letter upper-case ISO 3166-1 alpha-2 code'],
    ['three-letter country', { country: 'USA' }, 'country "USA" is not a 2-letter upper-case ISO 3166-1 alpha-2'],
    ['empty terminal', { terminalId: '' }, 'terminalId is empty (leave it null when unknown)'],
    ['long device id', { deviceId: 'd'.repeat(129) }, 'deviceId is 129 characters long (at most 128)'],
    ['far future', { eventTime: NOW + DAY + 1 }, 'is more than 1 day in the future'],
    ['before 2000', { eventTime: Date.UTC(1999, 11, 31, 23, 59) }, 'is before 2000-01-01'],
    ['NaN time', { eventTime: Number.NaN }, 'eventTime NaN is not a finite epoch-millisecond time'],
  ];
  it.each(bad)('rejects %s with a reason', (_name, change, reason) => {
    const tx = { ...sampleTransaction({ eventTime: NOW }), ...change } as Transaction;
    expect(validateTransaction(tx, NOW)).toContain(reason);
  });

  it('property: any negative amount or balance is rejected, any valid one is accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 52 }),
        fc.integer({ min: -(2 ** 52), max: -1 }),
        fc.constantFrom('amount', 'originBalanceBefore', 'destBalanceBefore'),
        (good, negative, field) => {
          const base = sampleTransaction({ eventTime: NOW });
          expect(validateTransaction({ ...base, [field]: good }, NOW)).toBeNull();
          expect(validateTransaction({ ...base, [field]: negative }, NOW)).toBe(`${field} ${negative} is negative`);
        },
      ),
    );
  });
});
