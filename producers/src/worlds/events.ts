import type { Transaction } from '@fraud/schemas';
import type { PendingLabel } from '../labels.ts';
import type { TypologyRates } from '../scenario.ts';

/** One simulated payment of any world, with its truth (which never travels in the transaction). */
export interface WorldEvent {
  transaction: Transaction;
  isFraud: boolean;
  /** Fraud pattern (a typology of the event's world); null for legitimate payments. */
  typology: string | null;
  /** The delayed truth for this transaction, if it is to be labelled. */
  label?: PendingLabel;
}

export interface WorldStats {
  transactions: number;
  fraud: number;
  byTypology: Record<string, number>;
  casesStarted: number;
  casesSkipped: number;
}

/**
 * What publishing, benchmarks and tools need from a simulator, whatever its world: an endless
 * stream in simulated-time order, deterministic by seed. The PaySim Simulator satisfies it.
 */
export interface EventSource extends Iterable<WorldEvent> {
  next(): WorldEvent;
  /** Simulated time of the last transaction returned. */
  readonly now: number;
  readonly start: number;
  readonly stats: WorldStats;
  readonly seedTag: string;
  /** Overrides the scenario's typology rates from now on; null goes back to the scenario phases. */
  setTypologyRates(rates: TypologyRates | null): void;
}
