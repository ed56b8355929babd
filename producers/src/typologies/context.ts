import type { PaySimTransaction, PaySimType } from '@fraud/schemas';
import type { Rng } from '../rng.ts';
import type { TypologyName } from '../scenario.ts';
import type { World } from '../world.ts';

/** What a fraud typology may do: schedule steps in simulated time and emit transactions. */
export interface FraudContext {
  readonly rng: Rng;
  readonly world: World;
  /** Runs `step` when simulated time reaches `at` (interleaved with legitimate traffic). */
  schedule(at: number, step: (at: number) => void): void;
  /** Emits a fraudulent transaction at `at`, labelled with the typology. */
  emit(
    typology: TypologyName,
    type: PaySimType,
    origin: number,
    dest: number,
    amount: number,
    at: number,
  ): PaySimTransaction;
  /** A brand-new customer account (mule or new payee): never seen before in the stream. */
  newAccount(at: number): number;
  /**
   * A customer with a balance in [min, max] minor units, not already compromised; it is taken over until
   * `holdUntil`.
   */
  takeVictim(at: number, minBalance: number, maxBalance: number, holdUntil: number): number | undefined;
  /** A random cash-out agent. */
  pickAgent(): number;
}

export interface Typology {
  readonly name: TypologyName;
  /** Expected fraudulent transactions per case, to turn a per-transaction rate into a case rate. */
  readonly txPerCase: number;
  /** Starts one case at `at`; returns false when no suitable victim exists right now. */
  start(ctx: FraudContext, at: number): boolean;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** Major units to minor units for readable thresholds. */
export const major = (v: number): number => Math.round(v * 100);
