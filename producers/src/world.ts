import type { PaySimTransaction, PaySimType } from '@fraud/schemas';
import { amountAt, personalQuantile, toMinor } from './amounts.ts';
import { HOURLY_WEIGHTS, TYPE_MIX } from './calibration.ts';
import type { Rng } from './rng.ts';
import type { Population } from './scenario.ts';

/**
 * The agents and their ledger. Accounts live in one index space: customers [0, C), agents
 * [C, C+A), merchants [C+A, C+A+M), then accounts created during the run (mules, new payees).
 * Balances are integer minor units and are the real ledger balances: every transaction reads
 * them before and updates them after.
 */
export interface World {
  readonly customers: number;
  readonly agentsFrom: number;
  readonly merchantsFrom: number;
  /** End of the initial population (accounts created during the run come after). */
  readonly merchantsEnd: number;
  ids: string[];
  balance: number[];
  /** Simulated time an account appeared (0 for the initial population). */
  createdAt: number[];
  /** Customer habits. */
  wealth: Float64Array;
  usualMerchants: Int32Array;
  usualPayees: Int32Array;
  usualAgent: Int32Array;
  channel: Uint8Array;
  incomePerMs: Float64Array;
  lastIncomeAt: Float64Array;
  activityCdf: Float64Array;
  /** Accounts under a fraudster's control until the given time: their owner does not transact. */
  compromised: Map<number, number>;
}

export const MERCHANTS_PER_CUSTOMER = 4;
export const PAYEES_PER_CUSTOMER = 3;
export const CHANNELS = ['APP', 'USSD'] as const;
/** Customer income covers this share of their expected net spending (invisible bank credits). */
const INCOME_COVER = 0.97;

const OUT_TYPES: readonly PaySimType[] = ['CASH_OUT', 'PAYMENT', 'DEBIT'];

/** Deterministic, collision-free 10-digit account numbers, PaySim style. */
export function accountNumber(index: number, mask: number): number {
  return 1_000_000_000 + (Math.imul((index ^ mask) >>> 0, 2654435761) >>> 0);
}

export function createWorld(pop: Population, rng: Rng, txPerHour: number, seedMask: number): World {
  const C = pop.customers;
  const A = pop.agents;
  const M = pop.merchants;
  const ids: string[] = new Array<string>(C + A + M);
  const balance: number[] = new Array<number>(C + A + M);
  const createdAt: number[] = new Array<number>(C + A + M).fill(0);
  for (let i = 0; i < C + A; i++) ids[i] = `C${accountNumber(i, seedMask)}`;
  for (let i = 0; i < M; i++) ids[C + A + i] = `M${accountNumber(i, seedMask ^ 0x5bd1e995)}`;

  const wealth = new Float64Array(C);
  const activity = new Float64Array(C);
  const usualMerchants = new Int32Array(C * MERCHANTS_PER_CUSTOMER);
  const usualPayees = new Int32Array(C * PAYEES_PER_CUSTOMER);
  const usualAgent = new Int32Array(C);
  const channel = new Uint8Array(C);
  let activitySum = 0;
  for (let c = 0; c < C; c++) {
    wealth[c] = rng.next();
    activity[c] = Math.exp(rng.normal());
    activitySum += activity[c]!;
    for (let k = 0; k < MERCHANTS_PER_CUSTOMER; k++)
      usualMerchants[c * MERCHANTS_PER_CUSTOMER + k] = C + A + rng.int(M);
    for (let k = 0; k < PAYEES_PER_CUSTOMER; k++) usualPayees[c * PAYEES_PER_CUSTOMER + k] = rng.int(C);
    usualAgent[c] = C + rng.int(A);
    channel[c] = rng.bool(0.7) ? 0 : 1;
    balance[c] = toMinor(amountAt('CASH_OUT', wealth[c]!) * 4 * Math.exp(0.5 * rng.normal()));
  }
  for (let a = 0; a < A; a++) balance[C + a] = toMinor(5_000_000 * Math.exp(0.5 * rng.normal()));
  for (let m = 0; m < M; m++) balance[C + A + m] = toMinor(50_000 * Math.exp(rng.normal()));

  const activityCdf = new Float64Array(C);
  const incomePerMs = new Float64Array(C);
  let acc = 0;
  const txPerMs = txPerHour / 3_600_000;
  for (let c = 0; c < C; c++) {
    acc += activity[c]! / activitySum;
    activityCdf[c] = acc;
    incomePerMs[c] = Math.max(0, expectedNetSpend(wealth[c]!)) * INCOME_COVER * txPerMs * (activity[c]! / activitySum);
  }
  return {
    customers: C,
    agentsFrom: C,
    merchantsFrom: C + A,
    merchantsEnd: C + A + M,
    ids,
    balance,
    createdAt,
    wealth,
    usualMerchants,
    usualPayees,
    usualAgent,
    channel,
    incomePerMs,
    lastIncomeAt: new Float64Array(C).fill(Number.NaN),
    activityCdf,
    compromised: new Map(),
  };
}

/** Expected money leaving a customer per transaction (minor units) at habit quantile u. */
function expectedNetSpend(u: number): number {
  let out = 0;
  for (const t of OUT_TYPES) out += TYPE_MIX[t] * toMinor(amountAt(t, u));
  return out - TYPE_MIX.CASH_IN * toMinor(amountAt('CASH_IN', u));
}

/** Credits the income a customer earned since last seen (salary, bank credits: not in this stream). */
export function accrueIncome(w: World, account: number, now: number): void {
  if (account >= w.customers) return;
  const last = w.lastIncomeAt[account]!;
  if (!Number.isNaN(last) && now > last) w.balance[account]! += Math.round(w.incomePerMs[account]! * (now - last));
  w.lastIncomeAt[account] = now;
}

export function addAccount(w: World, id: string, now: number): number {
  w.ids.push(id);
  w.balance.push(0);
  w.createdAt.push(now);
  return w.ids.length - 1;
}

/** Picks a customer by activity (heavy users transact more), binary search on the CDF. */
export function pickCustomer(w: World, rng: Rng): number {
  return pickByCdf(w.activityCdf, rng);
}

/** An index drawn with the weights a cumulative distribution (ending at 1) encodes: binary search on it. */
export function pickByCdf(cdf: Float64Array, rng: Rng): number {
  const x = rng.next();
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function isCompromised(w: World, account: number, now: number): boolean {
  if (w.compromised.size === 0) return false;
  const until = w.compromised.get(account);
  if (until === undefined) return false;
  if (until <= now) {
    w.compromised.delete(account);
    return false;
  }
  return true;
}

/** Relative legitimate intensity for the UTC hour of `t` (mean 1 over a day). */
export function hourFactor(t: number): number {
  return HOURLY_FACTORS[Math.floor(t / 3_600_000) % 24]!;
}
const HOURLY_SUM = HOURLY_WEIGHTS.reduce((a, b) => a + b, 0);
const HOURLY_FACTORS = HOURLY_WEIGHTS.map((w) => (w * 24) / HOURLY_SUM);

export const TYPES_BY_MIX: readonly PaySimType[] = ['CASH_OUT', 'PAYMENT', 'CASH_IN', 'TRANSFER', 'DEBIT'];

/**
 * Picks transaction types so the emitted mix tracks PaySim's. Customers who cannot afford a
 * payment top up with a CASH_IN instead, which bends the mix; a proportional controller on the
 * emitted counts (deterministic, refreshed every 1,000 transactions) steers it back.
 */
export interface TypePicker {
  pick(rng: Rng): PaySimType;
  record(type: PaySimType): void;
}

const GAIN = 30;

export function createTypePicker(): TypePicker {
  const counts = new Map<PaySimType, number>(TYPES_BY_MIX.map((t) => [t, 0]));
  let total = 0;
  let cdf = mixCdf((t) => TYPE_MIX[t]);
  return {
    pick(rng) {
      const x = rng.next();
      for (let i = 0; i < cdf.length; i++) if (x < cdf[i]!) return TYPES_BY_MIX[i]!;
      return 'DEBIT';
    },
    record(type) {
      counts.set(type, counts.get(type)! + 1);
      if (++total % 1000 === 0)
        cdf = mixCdf((t) => Math.max(0.001, TYPE_MIX[t] + GAIN * (TYPE_MIX[t] - counts.get(t)! / total)));
    },
  };
}

function mixCdf(weight: (t: PaySimType) => number): number[] {
  const sum = TYPES_BY_MIX.reduce((a, t) => a + weight(t), 0);
  let acc = 0;
  return TYPES_BY_MIX.map((t) => (acc += weight(t) / sum));
}

export function habitAmount(w: World, rng: Rng, customer: number, type: PaySimType): number {
  return toMinor(amountAt(type, personalQuantile(w.wealth[customer]!, 0.5 * (rng.next() - 0.5))));
}

/** The one place a transaction is made: reads the real balances, then applies the movement. */
export function makeTransaction(
  w: World,
  txId: string,
  at: number,
  type: PaySimType,
  origin: number,
  dest: number,
  amount: number,
  currency: string,
): PaySimTransaction {
  accrueIncome(w, origin, at);
  accrueIncome(w, dest, at);
  // Agents hand out e-money on CASH_IN; the operator refloats them from the bank when short.
  if (type === 'CASH_IN' && w.balance[dest]! < amount) w.balance[dest]! += amount + 1_000_000_000;
  const originBalanceBefore = w.balance[origin]!;
  const destBalanceBefore = w.balance[dest]!;
  const sign = type === 'CASH_IN' ? 1 : -1;
  w.balance[origin] = originBalanceBefore + sign * amount;
  w.balance[dest] = destBalanceBefore - sign * amount;
  return {
    txId,
    eventTime: Math.floor(at),
    type,
    amount,
    currency,
    originAccount: w.ids[origin]!,
    originBalanceBefore,
    destAccount: w.ids[dest]!,
    destBalanceBefore,
    channel:
      type === 'CASH_IN' || type === 'CASH_OUT'
        ? 'AGENT'
        : origin < w.customers
          ? CHANNELS[w.channel[origin]!]!
          : 'APP',
    attributes: {},
  };
}
