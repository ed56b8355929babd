import { TRANSACTION_TYPES } from '@fraud/schemas';

/**
 * The named, versioned feature list. A model is trained for one feature set and the scorer
 * refuses a model whose featureSet/featureNames differ from what this module computes.
 * Changing the meaning or order of any feature means a new FEATURE_SET name.
 *
 * Units: money in minor units (as in Transaction), durations in seconds, NaN = missing.
 * Only decision-time information: the transaction as published (balances BEFORE it) and
 * history strictly before it. Never post-transaction balances.
 */
export const FEATURE_SET = 'fs-v2';

/**
 * Feature sets this build refuses to serve (their models must be retrained). fs-v1: destination
 * features from the origin's partition only, same-eventTime inbounds included in stream order.
 * FEATURE_SET (fs-v2) computes them over all partitions, from inbound events strictly before
 * the transaction's eventTime (see view.ts).
 */
export const RETIRED_FEATURE_SETS: readonly string[] = ['fs-v1'];

export const FEATURE_NAMES = [
  // the transaction itself
  'type_cash_in',
  'type_cash_out',
  'type_debit',
  'type_payment',
  'type_transfer',
  'amount',
  'log_amount',
  'orig_balance_before',
  'dest_balance_before',
  'amount_to_orig_balance',
  'empties_account',
  'amount_equals_orig_balance',
  'amount_minus_orig_balance',
  'orig_balance_zero',
  'dest_balance_zero',
  'dest_is_merchant',
  'hour_of_day',
  // history of the origin account (its own partition always holds all of it)
  'orig_count_1h',
  'orig_sum_1h',
  'orig_count_24h',
  'orig_sum_24h',
  'orig_secs_since_prev',
  'orig_new_payee',
  'orig_amount_to_mean',
  'orig_tx_count',
  'orig_balance_gap',
  // history of the destination, as seen from the origin's partition (see docs/model.md)
  'dest_in_count_1h',
  'dest_in_count_24h',
  'dest_in_sum_24h',
  'dest_fanin_24h',
  'dest_in_transfer_24h',
  'dest_in_cashout_24h',
  'dest_secs_since_prev_in',
  'dest_balance_gap',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const NUM_FEATURES = FEATURE_NAMES.length;

/** Column index of a feature by name. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.fromEntries(
  FEATURE_NAMES.map((n, i) => [n, i]),
) as Record<FeatureName, number>;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Index of each transaction type in the one-hot columns (and in feature state). fs-v2 has columns
 * for PaySim's five (indices 0-4); the card and bank types and OTHER set none of them.
 */
export const TYPE_CODE: Readonly<Record<string, number>> = Object.fromEntries(TRANSACTION_TYPES.map((t, i) => [t, i]));
