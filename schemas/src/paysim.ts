import type { Transaction, TransactionType } from './types.ts';

/**
 * The Kaggle PaySim CSV format, the system's one file input: the trainer (model) and the replayer
 * (producers) both read it, and a model trained on a file must see the same event times when that
 * file is replayed, so its columns and its time base are declared once, here.
 * newbalanceOrig/newbalanceDest are post-transaction values that leak the label: readers check
 * them and drop them.
 */
export const PAYSIM_COLUMNS = [
  'step',
  'type',
  'amount',
  'nameOrig',
  'oldbalanceOrg',
  'newbalanceOrig',
  'nameDest',
  'oldbalanceDest',
  'newbalanceDest',
  'isFraud',
  'isFlaggedFraud',
] as const;

/** Event time of step 0 (midnight UTC), so hour_of_day = step mod 24. */
export const PAYSIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/** One PaySim step is one simulated hour. */
export const PAYSIM_STEP_MS = 3_600_000;

/**
 * PaySim's five transaction types, the ones its files and the simulator's PaySim world hold: a
 * subset of TransactionType, which also has card and bank types and OTHER.
 */
export const PAYSIM_TYPES = [
  'CASH_IN',
  'CASH_OUT',
  'DEBIT',
  'PAYMENT',
  'TRANSFER',
] as const satisfies readonly TransactionType[];
export type PaySimType = (typeof PAYSIM_TYPES)[number];

/** A PaySim record: one of PaySim's types and both balances known, as the simulator and the replayer write it. */
export type PaySimTransaction = Transaction & {
  type: PaySimType;
  originBalanceBefore: number;
  destBalanceBefore: number;
};
