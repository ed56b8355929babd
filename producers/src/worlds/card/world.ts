import { accountNumber, pickByCdf } from '../../world.ts';
import type { Rng } from '../../rng.ts';
import type { Population } from '../../scenario.ts';
import { COUNTRIES, MERCHANT_CATEGORIES, pickWeighted } from './catalog.ts';

/**
 * The card world's population, built once from the seed. Cards (customers) live at a home point
 * of a 100 x 100 map in their home country and pay at the terminals nearest to it (card present)
 * or online at a few usual e-commerce merchants from their own devices (card not present).
 * Merchants have an MCC; card-present merchants own the terminals. No balances: card payments
 * carry none. Indices: cards [0, C), merchants [0, M), terminals [0, T).
 */
export interface CardWorld {
  readonly customers: number;
  readonly cardIds: readonly string[];
  readonly homeCountry: Uint8Array;
  /** Mean and standard deviation of the holder's usual amount, minor units. */
  readonly meanAmount: Float64Array;
  readonly sdAmount: Float64Array;
  /** Share of the holder's payments made online. */
  readonly cnpShare: Float64Array;
  readonly activityCdf: Float64Array;
  /** Expected payments per day per card (the activity weights, for tests and docs). */
  readonly txPerDay: Float64Array;
  /** Two devices per card (the second is the first for most holders). */
  readonly devices: readonly string[];
  readonly localTerminals: Int32Array;
  readonly usualOnline: Int32Array;
  readonly merchantIds: readonly string[];
  readonly merchantCategory: Uint8Array;
  readonly merchantCountry: readonly string[];
  /** Card-not-present merchants (indices into the merchant arrays). */
  readonly onlineMerchants: readonly number[];
  readonly terminalIds: readonly string[];
  readonly terminalMerchant: Int32Array;
  readonly terminalCountry: Uint8Array;
  /** Terminals per home country index. */
  readonly terminalsByCountry: readonly (readonly number[])[];
}

export const LOCAL_TERMINALS = 10;
export const USUAL_ONLINE = 5;
/** Candidate terminals examined per card to find its nearest ones (a sample keeps set-up linear). */
const CANDIDATES = 80;
export const DEFAULT_CARD_TERMINALS = 8_000;

export function createCardWorld(pop: Population, rng: Rng, mask: number): CardWorld {
  const M = Math.max(pop.merchants, MERCHANT_CATEGORIES.length);
  const merchants = createMerchants(M, rng, mask);
  const terminals = createTerminals(pop.terminals ?? DEFAULT_CARD_TERMINALS, merchants, rng, mask);
  return { ...merchants, ...terminals, ...createCards(pop.customers, merchants, terminals, rng, mask) };
}

type Merchants = Pick<CardWorld, 'merchantIds' | 'merchantCategory' | 'merchantCountry' | 'onlineMerchants'>;
type Terminals = Pick<CardWorld, 'terminalIds' | 'terminalMerchant' | 'terminalCountry' | 'terminalsByCountry'> & {
  x: Float64Array;
  y: Float64Array;
};

function createMerchants(M: number, rng: Rng, mask: number): Merchants {
  const shares = MERCHANT_CATEGORIES.map((c) => c.share);
  const merchantIds: string[] = [];
  const merchantCategory = new Uint8Array(M);
  const merchantCountry: string[] = [];
  const onlineMerchants: number[] = [];
  for (let m = 0; m < M; m++) {
    // Every category has at least one merchant, then the mix decides.
    const cat = m < MERCHANT_CATEGORIES.length ? m : pickWeighted(shares, rng.next());
    merchantIds.push(`M${accountNumber(m, mask ^ 0x2545f491)}`);
    merchantCategory[m] = cat;
    merchantCountry.push(
      COUNTRIES[
        pickWeighted(
          COUNTRIES.map((c) => c.share),
          rng.next(),
        )
      ]!.code,
    );
    if (MERCHANT_CATEGORIES[cat]!.kind === 'CNP') onlineMerchants.push(m);
  }
  return { merchantIds, merchantCategory, merchantCountry, onlineMerchants };
}

function createTerminals(T: number, merchants: Merchants, rng: Rng, mask: number): Terminals {
  const cp: number[] = [];
  merchants.merchantCategory.forEach((cat, m) => {
    if (MERCHANT_CATEGORIES[cat]!.kind === 'CP') cp.push(m);
  });
  const n = Math.max(T, cp.length);
  const terminalIds: string[] = [];
  const terminalMerchant = new Int32Array(n);
  const terminalCountry = new Uint8Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const terminalsByCountry: number[][] = COUNTRIES.map(() => []);
  for (let t = 0; t < n; t++) {
    // Each card-present merchant owns one terminal, then more go to random ones (chains, big stores).
    const m = t < cp.length ? cp[t]! : cp[rng.int(cp.length)]!;
    const country = COUNTRIES.findIndex((c) => c.code === merchants.merchantCountry[m]);
    terminalIds.push(`T${accountNumber(t, mask ^ 0x68e31da4)}`);
    terminalMerchant[t] = m;
    terminalCountry[t] = country;
    x[t] = rng.uniform(0, 100);
    y[t] = rng.uniform(0, 100);
    terminalsByCountry[country]!.push(t);
  }
  return { terminalIds, terminalMerchant, terminalCountry, terminalsByCountry, x, y };
}

type Cards = Omit<CardWorld, keyof Merchants | keyof Terminals>;

function createCards(C: number, merchants: Merchants, terminals: Terminals, rng: Rng, mask: number): Cards {
  const cardIds: string[] = [];
  const devices: string[] = [];
  const homeCountry = new Uint8Array(C);
  const meanAmount = new Float64Array(C);
  const sdAmount = new Float64Array(C);
  const cnpShare = new Float64Array(C);
  const txPerDay = new Float64Array(C);
  const localTerminals = new Int32Array(C * LOCAL_TERMINALS);
  const usualOnline = new Int32Array(C * USUAL_ONLINE);
  const shares = COUNTRIES.map((c) => c.share);
  const online = merchants.onlineMerchants;
  for (let c = 0; c < C; c++) {
    cardIds.push(`card${accountNumber(c, mask)}`);
    const d = `D${accountNumber(c, mask ^ 0x1b873593)}`;
    devices.push(d, rng.bool(0.3) ? `D${accountNumber(c + C, mask ^ 0x1b873593)}` : d);
    // The handbook's spending profile: mean amount uniform in [5, 100], standard deviation half of it.
    meanAmount[c] = Math.round(rng.uniform(5, 100) * 100);
    sdAmount[c] = meanAmount[c]! / 2;
    txPerDay[c] = rng.uniform(0.5, 5.5);
    cnpShare[c] = rng.uniform(0.05, 0.5);
    let home = pickWeighted(shares, rng.next());
    if (terminals.terminalsByCountry[home]!.length === 0) home = terminals.terminalCountry[0]!;
    homeCountry[c] = home;
    nearestTerminals(terminals, terminals.terminalsByCountry[home]!, rng).forEach((t, k) => {
      localTerminals[c * LOCAL_TERMINALS + k] = t;
    });
    for (let k = 0; k < USUAL_ONLINE; k++) usualOnline[c * USUAL_ONLINE + k] = online[rng.int(online.length)]!;
  }
  let sum = 0;
  const activityCdf = new Float64Array(C);
  for (let c = 0; c < C; c++) sum += txPerDay[c]!;
  let acc = 0;
  for (let c = 0; c < C; c++) activityCdf[c] = acc += txPerDay[c]! / sum;
  return {
    customers: C,
    cardIds,
    devices,
    homeCountry,
    meanAmount,
    sdAmount,
    cnpShare,
    txPerDay,
    activityCdf,
    localTerminals,
    usualOnline,
  };
}

/** The LOCAL_TERMINALS terminals nearest a random home point, among a sample of the country's (repeats allowed). */
function nearestTerminals(terminals: Terminals, pool: readonly number[], rng: Rng): number[] {
  const hx = rng.uniform(0, 100);
  const hy = rng.uniform(0, 100);
  const seen = new Set<number>();
  for (let i = 0; i < Math.min(CANDIDATES, pool.length * 2); i++) seen.add(pool[rng.int(pool.length)]!);
  const sorted = [...seen].sort(
    (a, b) =>
      (terminals.x[a]! - hx) ** 2 +
        (terminals.y[a]! - hy) ** 2 -
        (terminals.x[b]! - hx) ** 2 -
        (terminals.y[b]! - hy) ** 2 || a - b,
  );
  return Array.from({ length: LOCAL_TERMINALS }, (_, k) => sorted[k % sorted.length]!);
}

/** Picks a card by activity (busy cards pay more often), binary search on the CDF. */
export function pickCard(w: CardWorld, rng: Rng): number {
  return pickByCdf(w.activityCdf, rng);
}

/**
 * A holder's usual amount at a category: normal around their mean (redrawn uniform when
 * negative), times the category's ticket.
 */
export function usualAmount(w: CardWorld, rng: Rng, card: number, category: number): number {
  const mean = w.meanAmount[card]!;
  let a = mean + w.sdAmount[card]! * rng.normal();
  if (a <= 0) a = rng.uniform(0, 2 * mean);
  return Math.max(50, Math.round(a * MERCHANT_CATEGORIES[category]!.ticket));
}
