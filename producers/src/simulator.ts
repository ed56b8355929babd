import type { PaySimTransaction, PaySimType } from '@fraud/schemas';
import type { PendingLabel } from './labels.ts';
import type { Rng } from './rng.ts';
import type { Phase, Scenario, TypologyName, TypologyRates } from './scenario.ts';
import { createFraudContext, createSimState, drawLegitAt, nextEvent, resetCases } from './sim-state.ts';

export interface SimEvent {
  transaction: PaySimTransaction;
  isFraud: boolean;
  /** Fraud pattern; travels only in the label, never in the transaction. */
  typology: TypologyName | null;
  /** The delayed truth for this transaction, if it is to be labelled. */
  label?: PendingLabel;
}

export interface SimulatorOptions {
  seed: string | number;
  scenario?: Scenario;
  /** Simulated epoch ms of the start; default scenario.start, else 2026-01-01T00:00Z. */
  start?: number;
}

export interface SimulatorStats {
  transactions: number;
  fraud: number;
  byType: Record<PaySimType, number>;
  byTypology: Record<TypologyName, number>;
  casesStarted: number;
  casesSkipped: number;
  /** Outgoing payments the customer could not afford without a CASH_IN (top-up) first. */
  topUps: number;
}

export interface Simulator extends Iterable<SimEvent> {
  /** The next transaction in simulated-time order (the stream is endless). */
  next(): SimEvent;
  /** Simulated time of the last transaction returned. */
  readonly now: number;
  readonly start: number;
  readonly phase: Phase;
  readonly stats: SimulatorStats;
  readonly seedTag: string;
  /** Overrides the scenario's typology rates from now on; null goes back to the scenario phases. */
  setTypologyRates(rates: TypologyRates | null): void;
}

/**
 * Agent-based PaySim-like simulator: a discrete-event loop merging legitimate arrivals (a
 * Poisson process shaped by the hourly cycle), fraud case starts (one Poisson process per
 * typology, flat over the day as in PaySim) and the scheduled steps of running fraud cases.
 * Pure and synchronous: the same seed and scenario give the same stream.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const state = createSimState(options);
  const ctx = createFraudContext(state);
  resetCases(state, state.start);
  state.legitAt = drawLegitAt(state, state.start);
  const sim: Simulator = {
    next() {
      return nextEvent(state, ctx);
    },
    get now() {
      return state.now;
    },
    start: state.start,
    get phase() {
      return state.phase;
    },
    stats: state.stats,
    seedTag: state.seedTag,
    setTypologyRates(r) {
      state.override = r;
      resetCases(state, state.now);
    },
    *[Symbol.iterator]() {
      for (;;) yield sim.next();
    },
  };
  return sim;
}

/** Convenience for tests and tools: the first n events. */
export function simulate(options: SimulatorOptions, n: number): SimEvent[] {
  const sim = createSimulator(options);
  return Array.from({ length: n }, () => sim.next());
}

export type { Rng };
