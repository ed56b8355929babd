/** Test oracle: the fs-v2 features before feature specs (see README.md). Never imported by src/. */
import { FraudError } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { Matrix } from '../../../src/api.ts';
import { DAY_MS, FEATURE_INDEX as F, HOUR_MS, NUM_FEATURES } from '../../../src/features/names.ts';
import { murmur2Partition } from '../../../src/features/partition.ts';
import {
  createFeatureState,
  liveOrigin,
  maybeSweep,
  touch,
  TYPE_CODE,
  type CreateFeatureStateOptions,
  type FeatureState,
} from './state.ts';
import { noDestHistory, type DestFeatures } from './view.ts';

const CASH_IN = TYPE_CODE.CASH_IN ?? 0;

/** Why a transaction cannot be featurised, or null. The scorer dead-letters on non-null. */
export function featureInputProblem(tx: Transaction): string | null {
  if (TYPE_CODE[tx.type] === undefined) return `unknown transaction type ${String(tx.type)}`;
  if (!Number.isFinite(tx.eventTime)) return 'eventTime is not a finite number';
  if (!Number.isFinite(tx.amount) || tx.amount < 0) return 'amount must be a finite number >= 0';
  for (const field of ['originBalanceBefore', 'destBalanceBefore'] as const) {
    const value = tx[field];
    if (value !== null && value !== undefined && !Number.isFinite(value)) return `${field} is not a finite number`;
  }
  if (typeof tx.originAccount !== 'string' || tx.originAccount === '') return 'originAccount is empty';
  if (typeof tx.destAccount !== 'string' || tx.destAccount === '') return 'destAccount is empty';
  return null;
}

/**
 * The partition that owns an origin account's transactions (kafkajs default partitioner).
 * Origin features need every transaction of an origin in one partition: publishers key by
 * origin account.
 */
export function partitionOf(originAccount: string, numPartitions: number): number {
  return numPartitions === 1 ? 0 : murmur2Partition(originAccount, numPartitions);
}

/** Signed effect of a transaction on the origin's balance (CASH_IN credits the origin). */
const originSign = (type: number): number => (type === CASH_IN ? 1 : -1);

function hourOfDay(t: number): number {
  return Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

/** Is an event at time s inside the window of width w ending at t (t - w, t]? */
const inWindow = (t: number, s: number, w: number): boolean => s <= t && t - s < w;

function pushBounded<T>(arr: T[], value: T, max: number): boolean {
  arr.push(value);
  if (arr.length > max) {
    arr.shift();
    return true;
  }
  return false;
}

/**
 * An unknown balance (null or absent: card and bank payments) is NaN, a missing value that XGBoost
 * and the ONNX model route by each split's default direction. Every feature derived from it is NaN
 * too (arithmetic propagates it; flags say so with known()), so "unknown" never reads as 0.
 * A given balance is used as is, so rows whose balances are known (all of PaySim) featurise unchanged.
 */
function balanceOf(value: number | null | undefined): number {
  return value ?? NaN;
}

/** A flag derived from a balance: NaN when the balance is unknown. */
function known(balance: number, flag: number): number {
  return Number.isNaN(balance) ? NaN : flag;
}

/** Scratch the destination lookup writes into (it sets every field), reused so the hot path allocates nothing. */
const DEST_SCRATCH: DestFeatures = noDestHistory();

/** Features of one transaction from the history in `state`, then fold it into the state. */
function computeRow(tx: Transaction, state: FeatureState, out: Float32Array, at: number): void {
  const t = tx.eventTime;
  if (t > state.watermark) state.watermark = t;
  const type = TYPE_CODE[tx.type] ?? 0;
  const amount = tx.amount;
  const ob = balanceOf(tx.originBalanceBefore);
  const db = balanceOf(tx.destBalanceBefore);

  for (let i = 0; i < 5; i++) out[at + i] = i === type ? 1 : 0;
  out[at + F.amount] = amount;
  out[at + F.log_amount] = Math.log1p(amount);
  out[at + F.orig_balance_before] = ob;
  out[at + F.dest_balance_before] = db;
  out[at + F.amount_to_orig_balance] = ob === 0 ? NaN : amount / ob;
  out[at + F.empties_account] = known(ob, amount >= ob ? 1 : 0);
  out[at + F.amount_equals_orig_balance] = known(ob, amount === ob ? 1 : 0);
  out[at + F.amount_minus_orig_balance] = amount - ob;
  out[at + F.orig_balance_zero] = known(ob, ob === 0 ? 1 : 0);
  out[at + F.dest_balance_zero] = known(db, db === 0 ? 1 : 0);
  out[at + F.dest_is_merchant] = tx.destAccount.startsWith('M') ? 1 : 0;
  out[at + F.hour_of_day] = hourOfDay(t);

  // origin history
  const o = liveOrigin(state, tx.originAccount);
  let c1 = 0,
    s1 = 0,
    c24 = 0,
    s24 = 0;
  if (o !== undefined) {
    for (let i = 0; i < o.times.length; i++) {
      const s = o.times[i] ?? 0;
      const a = o.amounts[i] ?? 0;
      if (inWindow(t, s, DAY_MS)) {
        c24++;
        s24 += a;
        if (inWindow(t, s, HOUR_MS)) {
          c1++;
          s1 += a;
        }
      }
    }
  }
  out[at + F.orig_count_1h] = c1;
  out[at + F.orig_sum_1h] = s1;
  out[at + F.orig_count_24h] = c24;
  out[at + F.orig_sum_24h] = s24;
  out[at + F.orig_secs_since_prev] = o === undefined ? NaN : (t - o.prevTime) / 1000;
  out[at + F.orig_new_payee] = o !== undefined && o.payees.has(tx.destAccount) ? 0 : 1;
  out[at + F.orig_amount_to_mean] = o === undefined || o.sum <= 0 ? NaN : amount / (o.sum / o.count);
  out[at + F.orig_tx_count] = o === undefined ? 0 : o.count;
  out[at + F.orig_balance_gap] = o === undefined ? NaN : ob - (o.prevBalance + originSign(o.prevType) * o.prevAmount);

  // destination history over all partitions, strictly before t (the shared view)
  const d = state.view.lookup(tx.destAccount, t, DEST_SCRATCH);
  out[at + F.dest_in_count_1h] = d.inCount1h;
  out[at + F.dest_in_count_24h] = d.inCount24h;
  out[at + F.dest_in_sum_24h] = d.inSum24h;
  out[at + F.dest_fanin_24h] = d.fanIn24h;
  out[at + F.dest_in_transfer_24h] = d.inTransfer24h;
  out[at + F.dest_in_cashout_24h] = d.inCashout24h;
  out[at + F.dest_secs_since_prev_in] = d.secsSincePrevIn;
  out[at + F.dest_balance_gap] = db - d.prevBalanceAfter;

  // fold the transaction into the history (after its own features were written)
  const { maxEventsPerAccount: maxEvents, maxPayees } = state.options;
  const oe = o ?? {
    lastSeen: t,
    prevTime: t,
    prevBalance: ob,
    prevAmount: amount,
    prevType: type,
    count: 0,
    sum: 0,
    times: [],
    amounts: [],
    payees: new Set<string>(),
  };
  touch(state.origins, tx.originAccount, oe);
  oe.lastSeen = Math.max(oe.lastSeen, t);
  oe.prevTime = t;
  oe.prevBalance = ob;
  oe.prevAmount = amount;
  oe.prevType = type;
  oe.count++;
  oe.sum += amount;
  if (pushBounded(oe.times, t, maxEvents)) oe.amounts.shift();
  oe.amounts.push(amount);
  oe.payees.delete(tx.destAccount);
  oe.payees.add(tx.destAccount);
  if (oe.payees.size > maxPayees) {
    const oldest = oe.payees.values().next();
    if (oldest.done !== true) oe.payees.delete(oldest.value);
  }

  state.view.add(tx);
}

function assertValid(txs: readonly Transaction[]): void {
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i];
    const problem = tx === undefined ? 'missing' : featureInputProblem(tx);
    if (problem !== null) {
      throw new FraudError('RECORD_INVALID', `transaction ${i} (${tx?.txId ?? '?'}) cannot be featurised: ${problem}`, {
        details: { index: i, txId: tx?.txId },
      });
    }
  }
}

/**
 * Feature rows for `txs` in the given order, each seeing only the history strictly before it,
 * folding each into `state` (and its destination view) after its row is written. Destination
 * features read the view as it is: online, the caller first waits until the view has read every
 * partition up to the batch's newest eventTime (scorer/src/dest-view.ts). All rows are validated before the state
 * is touched, so a bad batch leaves the state unchanged. `out` (if given) must hold at least
 * txs.length * NUM_FEATURES values; the returned array is a view of exactly that many.
 */
export function computeFeatures(txs: readonly Transaction[], state: FeatureState, out?: Float32Array): Float32Array {
  assertValid(txs);
  const n = txs.length * NUM_FEATURES;
  if (out !== undefined && out.length < n) {
    throw new FraudError('BAD_REQUEST', `output buffer holds ${out.length} values, ${n} needed`);
  }
  const buf = out === undefined ? new Float32Array(n) : out.length === n ? out : out.subarray(0, n);
  for (let i = 0; i < txs.length; i++) computeRow(txs[i] as Transaction, state, buf, i * NUM_FEATURES);
  maybeSweep(state);
  return buf;
}

export interface FileFeaturesOptions extends Omit<CreateFeatureStateOptions, 'partition' | 'view'> {
  onProgress?: (done: number, total: number) => void;
}

/**
 * Offline features for a whole history sorted by eventTime: one origin history and one
 * destination view, which is what the scorer instances hold between them (origins per
 * partition, every destination in every instance), so training sees what scoring will see.
 */
export function featuresForFile(txs: readonly Transaction[], opts: FileFeaturesOptions = {}): Matrix {
  assertValid(txs);
  for (let i = 1; i < txs.length; i++) {
    if ((txs[i] as Transaction).eventTime < (txs[i - 1] as Transaction).eventTime) {
      throw new FraudError(
        'RECORD_INVALID',
        `featuresForFile needs rows sorted by eventTime; row ${i} is earlier than row ${i - 1}`,
        { details: { index: i } },
      );
    }
  }
  const { onProgress, ...stateOpts } = opts;
  const state = createFeatureState(stateOpts);
  const data = new Float32Array(txs.length * NUM_FEATURES);
  const every = Math.max(1, Math.floor(txs.length / 100));
  for (let i = 0; i < txs.length; i++) {
    computeRow(txs[i] as Transaction, state, data, i * NUM_FEATURES);
    maybeSweep(state);
    if (onProgress !== undefined && (i + 1) % every === 0) onProgress(i + 1, txs.length);
  }
  onProgress?.(txs.length, txs.length);
  return { data, rows: txs.length, cols: NUM_FEATURES };
}
