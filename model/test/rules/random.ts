import { seededRandom } from '@fraud/common/testing';
import type { Transaction } from '@fraud/schemas';

/**
 * Random rule expressions (as text, well typed) and random payments for the property tests:
 * the evaluator against a reference here and against the SQL compiler in DuckDB (sinks/test).
 */
export type Rand = () => number;

/** The seeded PRNG the property tests draw from (one seed, one sequence). */
export const mulberry32: (seed: number) => Rand = seededRandom;

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export const TEST_FEATURES = ['f_count', 'f_ratio', 'f_flag'] as const;
const TYPES = ['TRANSFER', 'CASH_OUT', 'PAYMENT', 'CARD_PRESENT'];
const COUNTRIES = ['NG', 'GH', 'KE'];
const ACCOUNTS = ['C1', 'C2', 'M1', 'M22'];
export const TEST_LISTS = { mules: ['C1', 'M22'], small: [0, 1, 2] };

function numExpr(r: Rand, depth: number): string {
  const leaf = (): string =>
    pick(r, [
      () => 'amount',
      () => 'score',
      () => pick(r, TEST_FEATURES),
      () => String(Math.floor(r() * 2000)),
      () => (r() * 2).toFixed(2),
      () => 'hour_of_day(eventTime)',
      () => 'day_of_week(eventTime)',
    ])();
  if (depth <= 0 || r() < 0.4) return leaf();
  const op = pick(r, ['+', '-', '*', '/']);
  const e = `${numExpr(r, depth - 1)} ${op} ${numExpr(r, depth - 1)}`;
  return r() < 0.2 ? `-(${e})` : `(${e})`;
}

/** Never `type`: a string compared with it must be one of its symbols (checked). */
function strExpr(r: Rand): string {
  return pick(r, ['country', 'channel', 'destAccount', 'attributes.seg', `"${pick(r, ACCOUNTS)}"`]);
}

function predicate(r: Rand, depth: number): string {
  return pick(r, [
    () => `${numExpr(r, depth)} ${pick(r, ['=', '!=', '<', '<=', '>', '>='])} ${numExpr(r, depth)}`,
    () => `type ${pick(r, ['=', '!='])} "${pick(r, TYPES)}"`,
    () => `type ${pick(r, ['in', 'not in'])} ("TRANSFER", "PAYMENT")`,
    () => `country ${pick(r, ['=', '!='])} "${pick(r, COUNTRIES)}"`,
    () => `${strExpr(r)} ${pick(r, ['=', '!='])} ${strExpr(r)}`,
    () => `${strExpr(r)} ${pick(r, ['in', 'not in'])} ${pick(r, ['mules', '("NG", "C2", "TRANSFER")'])}`,
    () => `${pick(r, [...TEST_FEATURES, 'day_of_week(eventTime)'])} ${pick(r, ['in', 'not in'])} small`,
    () => `${strExpr(r)} startsWith "${pick(r, ['C', 'M2', 'N', ''])}"`,
  ])();
}

export function randomExpression(r: Rand, depth = 3): string {
  if (depth <= 0 || r() < 0.3) return predicate(r, 2);
  return pick(r, [
    () => `(${randomExpression(r, depth - 1)}) and (${randomExpression(r, depth - 1)})`,
    () => `(${randomExpression(r, depth - 1)}) or (${randomExpression(r, depth - 1)})`,
    () => `not (${randomExpression(r, depth - 1)})`,
    () => predicate(r, 2),
  ])();
}

export interface RandomPayment {
  payment: Transaction;
  features: number[];
  score: number;
}

/** Missing values often: null country/channel/attribute, NaN features, zero amounts (division). */
export function randomPayment(r: Rand, i: number): RandomPayment {
  const maybe = <T>(v: T): T | null => (r() < 0.25 ? null : v);
  const seg = maybe(pick(r, ['C', 'NG', 'x']));
  const payment: Transaction = {
    txId: `p-${i}`,
    eventTime: Date.UTC(2026, 0, 1) + Math.floor(r() * 14 * 86_400_000),
    type: pick(r, TYPES) as Transaction['type'],
    amount: pick(r, [0, 1, 2, Math.floor(r() * 3000)]),
    currency: 'USD',
    originAccount: pick(r, ACCOUNTS),
    destAccount: pick(r, ACCOUNTS),
    country: maybe(pick(r, COUNTRIES)),
    channel: maybe(pick(r, ['APP', 'C2', 'NG'])),
    attributes: seg === null ? {} : { seg },
  };
  const feature = (): number => (r() < 0.15 ? NaN : pick(r, [0, 1, 2, Math.fround(r() * 10)]));
  return { payment, features: TEST_FEATURES.map(feature), score: Math.fround(r()) };
}
