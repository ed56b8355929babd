import type { Rng } from '../../rng.ts';
import type { CardTypologyName } from '../../scenario.ts';
import { FRAUD_COUNTRIES, MERCHANT_CATEGORIES } from './catalog.ts';
import { LOCAL_TERMINALS, pickCard, type CardWorld } from './world.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A payment a fraud case makes (the simulator turns it into a transaction). */
export interface CardPayment {
  card: number;
  kind: 'CP' | 'CNP';
  /** Terminal index for CP, merchant index for CNP. */
  at: number;
  amount: number;
  device: string | null;
  /** Overrides the merchant's or terminal's country (a foreign acquirer). */
  country?: string;
}

/** What a card fraud scenario may do: schedule steps, emit fraud, compromise a terminal. */
export interface CardFraudContext {
  readonly rng: Rng;
  readonly world: CardWorld;
  schedule(at: number, step: (at: number) => void): void;
  emit(typology: CardTypologyName, payment: CardPayment, at: number): void;
  /** Every card-present payment at `terminal` from `from` until `until` is fraud of compromised-terminal. */
  compromiseTerminal(terminal: number, from: number, until: number): void;
  /** A device never seen before (the fraudster's browser or phone). */
  newDevice(): string;
}

export interface CardTypology {
  readonly name: CardTypologyName;
  /** Expected fraudulent transactions per case, to turn a per-transaction rate into a case rate. */
  txPerCase(world: CardWorld, legitPerDay: number): number;
  start(ctx: CardFraudContext, at: number): void;
}

function merchantsOf(w: CardWorld, mccs: readonly string[]): number[] {
  const wanted = new Set(MERCHANT_CATEGORIES.flatMap((c, i) => (mccs.includes(c.mcc) ? [i] : [])));
  const found = w.onlineMerchants.filter((m) => wanted.has(w.merchantCategory[m]!));
  return found.length ? found : [...w.onlineMerchants];
}

/** Share of legitimate payments made at terminals (the mean of the holders' card-present shares). */
function cpShare(w: CardWorld): number {
  let s = 0;
  for (let c = 0; c < w.customers; c++) s += 1 - w.cnpShare[c]!;
  return s / Math.max(1, w.customers);
}

const TERMINAL_DAYS = { min: 2, max: 7 };

/**
 * The handbook's compromised terminal: a skimmer on a terminal makes every payment there fraud
 * for the next 2 to 7 days. The payments themselves look ordinary (the holders' own); only the
 * terminal's recent confirmed fraud (label-derived terminal risk) gives them away. The terminal
 * is one of a random card's local ones, so busy terminals are hit more often.
 */
export const compromisedTerminal: CardTypology = {
  name: 'compromised-terminal',
  txPerCase: (w, legitPerDay) =>
    ((legitPerDay * cpShare(w)) / Math.max(1, w.terminalIds.length)) * ((TERMINAL_DAYS.min + TERMINAL_DAYS.max) / 2),
  start(ctx, at) {
    const { rng, world } = ctx;
    const card = pickCard(world, rng);
    const terminal = world.localTerminals[card * LOCAL_TERMINALS + rng.int(LOCAL_TERMINALS)]!;
    ctx.compromiseTerminal(terminal, at, at + rng.uniform(TERMINAL_DAYS.min, TERMINAL_DAYS.max) * DAY);
  },
};

/**
 * A compromised card with a spending spike: over the next 1 to 4 days the fraudster makes 2 to 6
 * payments of 4 to 12 times the holder's mean amount, mostly online from a new device at
 * high-ticket merchants (electronics, travel), often abroad; the rest at terminals abroad (a
 * cloned card). The holder keeps paying as usual meanwhile.
 */
export const cardSpike: CardTypology = {
  name: 'card-spike',
  txPerCase: () => 4,
  start(ctx, at) {
    const { rng, world } = ctx;
    const card = pickCard(world, rng);
    const device = ctx.newDevice();
    const highTicket = merchantsOf(world, ['5732', '4511', '7011', '5999']);
    const n = 2 + rng.int(5);
    const days = 1 + rng.int(4);
    for (let i = 0; i < n; i++) {
      ctx.schedule(at + rng.uniform(0, days) * DAY, (t) => {
        const amount = Math.round(world.meanAmount[card]! * rng.uniform(4, 12));
        if (rng.bool(0.65)) {
          const merchant = highTicket[rng.int(highTicket.length)]!;
          const abroad = rng.bool(0.5) ? { country: rng.pick(FRAUD_COUNTRIES) } : {};
          ctx.emit('card-spike', { card, kind: 'CNP', at: merchant, amount, device, ...abroad }, t);
        } else {
          ctx.emit('card-spike', { card, kind: 'CP', at: foreignTerminal(world, rng, card), amount, device: null }, t);
        }
      });
    }
  },
};

function foreignTerminal(w: CardWorld, rng: Rng, card: number): number {
  const home = w.homeCountry[card]!;
  for (let i = 0; i < 16; i++) {
    const t = rng.int(w.terminalIds.length);
    if (w.terminalCountry[t] !== home) return t;
  }
  return rng.int(w.terminalIds.length);
}

/**
 * Card testing: a stolen card number is checked with 5 to 20 small online payments (0.50 to 3.00)
 * at one to three digital-goods merchants, 10 s to 2 min apart, from one device; 5 to 60 minutes
 * after the last test, one large payment (300 to 2,500) at an electronics or travel merchant.
 */
export const cardTesting: CardTypology = {
  name: 'card-testing',
  txPerCase: () => 13.5,
  start(ctx, at) {
    const { rng, world } = ctx;
    const card = pickCard(world, rng);
    const device = ctx.newDevice();
    const testers = merchantsOf(world, ['5815', '4816', '5999']);
    const merchants = Array.from({ length: 1 + rng.int(3) }, () => testers[rng.int(testers.length)]!);
    const tests = 5 + rng.int(16);
    let t = at;
    for (let i = 0; i < tests; i++) {
      const merchant = merchants[i % merchants.length]!;
      const amount = Math.round(rng.uniform(50, 300));
      ctx.schedule(t, (now) => ctx.emit('card-testing', { card, kind: 'CNP', at: merchant, amount, device }, now));
      t += rng.uniform(10_000, 120_000);
    }
    const big = merchantsOf(world, ['5732', '4511']);
    const merchant = big[rng.int(big.length)]!;
    const amount = Math.round(rng.uniform(300, 2_500) * 100);
    ctx.schedule(t + rng.uniform(5, 60) * MINUTE, (now) =>
      ctx.emit('card-testing', { card, kind: 'CNP', at: merchant, amount, device }, now),
    );
  },
};

export const CARD_TYPOLOGIES: Readonly<Record<CardTypologyName, CardTypology>> = {
  'compromised-terminal': compromisedTerminal,
  'card-spike': cardSpike,
  'card-testing': cardTesting,
};
