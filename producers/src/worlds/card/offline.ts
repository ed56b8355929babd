import type { Label, Transaction } from '@fraud/schemas';
import { FraudError } from '@fraud/common';
import { DEFAULT_CARD_SCENARIO, type Scenario, type TypologyRates } from '../../scenario.ts';
import type { LabelPolicy } from '../../labels.ts';
import type { WorldEvent } from '../events.ts';
import { createCardSimulator } from './simulator.ts';

const DAY = 86_400_000;

export interface SimulateCardOptions {
  seed: string | number;
  /** Simulated epoch ms of the first day (default 2026-01-01T00:00Z). */
  start?: number;
  days: number;
  /** Population; the card world's defaults otherwise. */
  customers?: number;
  terminals?: number;
  merchants?: number;
  /** Mean legitimate payments per simulated hour (default: 3 a day per card). */
  txPerHour?: number;
  /** Fraction of all payments per scenario (default: the card world's 0.5% over three scenarios). */
  rates?: TypologyRates;
  labels?: Partial<LabelPolicy>;
  currency?: string;
}

export interface SimulatedCardData {
  /** Every payment in simulated-time order. */
  transactions: Transaction[];
  /** Each transaction's truth, index for index (typology null for legitimate ones). */
  truth: { isFraud: boolean; typology: string | null }[];
  /**
   * The labels the run would publish, in arrival (labeledAt) order: a label arrives after its
   * transaction by the policy's delay, and labels due after the last day are included (the
   * caller decides what was known when, from labeledAt).
   */
  labels: Label[];
  /** The scenario the run used (population and label policy filled in). */
  scenario: Scenario;
}

/**
 * The card world offline, for benchmarks, tests and files: `days` simulated days from `start`,
 * the same stream `fraud simulate --world card` publishes with the same seed and scenario.
 */
export function simulateCard(options: SimulateCardOptions): SimulatedCardData {
  if (!(options.days > 0))
    throw new FraudError('CONFIG_INVALID', `simulateCard: days must be positive, got ${options.days}`);
  const base = DEFAULT_CARD_SCENARIO;
  const customers = options.customers ?? base.population.customers;
  const scenario: Scenario = {
    ...base,
    name: 'card-offline',
    currency: options.currency ?? base.currency,
    txPerHour: options.txPerHour ?? (customers * 3) / 24,
    population: {
      ...base.population,
      customers,
      terminals: options.terminals ?? base.population.terminals,
      merchants: options.merchants ?? base.population.merchants,
    },
    labels: { ...base.labels, ...options.labels },
    phases: [{ name: 'card', fromMs: 0, typologies: options.rates ?? base.phases[0]!.typologies }],
  };
  return collectCard(scenario, options.seed, options.start ?? Date.UTC(2026, 0, 1), options.days * DAY);
}

/** Runs a card scenario for `spanMs` of simulated time and collects transactions, truth and labels. */
export function collectCard(scenario: Scenario, seed: string | number, start: number, spanMs: number) {
  const sim = createCardSimulator({ seed, scenario, start });
  const events: WorldEvent[] = [];
  for (let e = sim.next(); e.transaction.eventTime < start + spanMs; e = sim.next()) events.push(e);
  const labels = events
    .flatMap((e) => (e.label ? [e.label.label] : []))
    .map((l, i) => ({ l, i }))
    .sort((a, b) => a.l.labeledAt - b.l.labeledAt || a.i - b.i)
    .map((x) => x.l);
  return {
    transactions: events.map((e) => e.transaction),
    truth: events.map((e) => ({ isFraud: e.isFraud, typology: e.typology })),
    labels,
    scenario,
  } satisfies SimulatedCardData;
}
