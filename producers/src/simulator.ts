import type { Transaction, TransactionType } from '@fraud/schemas';
import { MinHeap } from './heap.ts';
import { planLabel, type PendingLabel } from './labels.ts';
import { createRng, hashSeed, type Rng } from './rng.ts';
import {
  DEFAULT_SCENARIO,
  TYPOLOGY_NAMES,
  phaseAt,
  type Phase,
  type Scenario,
  type TypologyName,
  type TypologyRates,
} from './scenario.ts';
import { TYPOLOGIES, type FraudContext } from './typologies/index.ts';
import {
  accountNumber,
  accrueIncome,
  addAccount,
  createWorld,
  habitAmount,
  hourFactor,
  isCompromised,
  makeTransaction,
  createTypePicker,
  MERCHANTS_PER_CUSTOMER,
  PAYEES_PER_CUSTOMER,
  pickCustomer,
  type World,
} from './world.ts';

export interface SimEvent {
  transaction: Transaction;
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
  byType: Record<TransactionType, number>;
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

const DEFAULT_START = Date.UTC(2026, 0, 1);
const OUT: ReadonlySet<TransactionType> = new Set(['CASH_OUT', 'PAYMENT', 'TRANSFER', 'DEBIT']);

interface Step {
  at: number;
  seq: number;
  run: (at: number) => void;
}

/**
 * Agent-based PaySim-like simulator: a discrete-event loop merging legitimate arrivals (a
 * Poisson process shaped by the hourly cycle), fraud case starts (one Poisson process per
 * typology, flat over the day as in PaySim) and the scheduled steps of running fraud cases.
 * Pure and synchronous: the same seed and scenario give the same stream.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  const start = options.start ?? scenario.start ?? DEFAULT_START;
  const rng = createRng(options.seed);
  const labelRng = createRng(`${options.seed}:labels`);
  const seedMask = hashSeed(`${options.seed}:ids`);
  const seedTag = hashSeed(options.seed).toString(16).padStart(8, '0');
  const world: World = createWorld(scenario.population, rng, scenario.txPerHour, seedMask);
  const baseRatePerMs = scenario.txPerHour / 3_600_000;
  const typePicker = createTypePicker();
  const steps = new MinHeap<Step>();
  const out: SimEvent[] = [];
  let outHead = 0;
  let seq = 0;
  let txSeq = 0;
  let now = start;
  let legitAt = start;
  let override: TypologyRates | null = null;
  let phase = phaseAt(scenario, 0);
  let nextPhaseIndex = scenario.phases.indexOf(phase) + 1;
  const caseAt: Record<TypologyName, number> = Object.fromEntries(TYPOLOGY_NAMES.map((n) => [n, Infinity])) as Record<
    TypologyName,
    number
  >;
  const stats: SimulatorStats = {
    transactions: 0,
    fraud: 0,
    casesStarted: 0,
    casesSkipped: 0,
    topUps: 0,
    byType: { CASH_IN: 0, CASH_OUT: 0, DEBIT: 0, PAYMENT: 0, TRANSFER: 0 },
    byTypology: Object.fromEntries(TYPOLOGY_NAMES.map((n) => [n, 0])) as Record<TypologyName, number>,
  };

  const nextTxId = (): string => `sim-${seedTag}-${txSeq++}`;
  const push = (tx: Transaction, isFraud: boolean, typology: TypologyName | null): void => {
    stats.transactions++;
    stats.byType[tx.type]++;
    if (isFraud && typology) {
      stats.fraud++;
      stats.byTypology[typology]++;
    }
    const label = planLabel(scenario.labels, labelRng, tx, isFraud, typology);
    out.push(label ? { transaction: tx, isFraud, typology, label } : { transaction: tx, isFraud, typology });
  };

  const ctx: FraudContext = {
    rng,
    world,
    schedule: (at, run) => steps.push({ at, seq: seq++, run }),
    emit: (typology, type, origin, dest, amount, at) => {
      const tx = makeTransaction(world, nextTxId(), at, type, origin, dest, amount, scenario.currency);
      push(tx, true, typology);
      return tx;
    },
    newAccount: (at) => addAccount(world, `C${accountNumber(world.ids.length, seedMask)}`, at),
    takeVictim: (at, min, max, holdUntil) => {
      for (let i = 0; i < 64; i++) {
        const c = rng.int(world.customers);
        if (isCompromised(world, c, at)) continue;
        accrueIncome(world, c, at);
        const b = world.balance[c]!;
        if (b >= min && b <= max) {
          world.compromised.set(c, holdUntil);
          return c;
        }
      }
      return undefined;
    },
    pickAgent: () => world.agentsFrom + rng.int(world.merchantsFrom - world.agentsFrom),
  };

  function rates(): TypologyRates {
    return override ?? phase.typologies;
  }

  /** Redraws every typology's next case start from time t (Poisson processes are memoryless). */
  function resetCases(t: number): void {
    const r = rates();
    for (const name of TYPOLOGY_NAMES) {
      const perTx = r[name] ?? 0;
      const casesPerMs = (perTx * baseRatePerMs) / TYPOLOGIES[name].txPerCase;
      caseAt[name] = casesPerMs > 0 ? t + rng.exp(1 / casesPerMs) : Infinity;
    }
  }

  function drawLegitAt(t: number): number {
    let need = rng.exp(1);
    for (;;) {
      const hourEnd = (Math.floor(t / 3_600_000) + 1) * 3_600_000;
      const r = baseRatePerMs * hourFactor(t);
      if (need <= r * (hourEnd - t)) return t + need / r;
      need -= r * (hourEnd - t);
      t = hourEnd;
    }
  }

  function legit(at: number): void {
    let c = pickCustomer(world, rng);
    for (let i = 0; i < 10 && isCompromised(world, c, at); i++) c = pickCustomer(world, rng);
    if (isCompromised(world, c, at)) return;
    const type = typePicker.pick(rng);
    const amount = habitAmount(world, rng, c, type);
    if (OUT.has(type)) {
      accrueIncome(world, c, at);
      const shortfall = amount - world.balance[c]!;
      if (shortfall > 0) {
        // Not enough money: the customer tops up at an agent first, then pays.
        stats.topUps++;
        const topUp = Math.max(habitAmount(world, rng, c, 'CASH_IN'), Math.ceil(shortfall / 10_000) * 10_000);
        typePicker.record('CASH_IN');
        push(
          makeTransaction(world, nextTxId(), at, 'CASH_IN', c, destFor(c, 'CASH_IN'), topUp, scenario.currency),
          false,
          null,
        );
      }
    }
    typePicker.record(type);
    push(makeTransaction(world, nextTxId(), at, type, c, destFor(c, type), amount, scenario.currency), false, null);
  }

  function destFor(c: number, type: TransactionType): number {
    switch (type) {
      case 'PAYMENT':
        return rng.bool(0.85)
          ? world.usualMerchants[c * MERCHANTS_PER_CUSTOMER + rng.int(MERCHANTS_PER_CUSTOMER)]!
          : world.merchantsFrom + rng.int(world.merchantsEnd - world.merchantsFrom);
      case 'TRANSFER': {
        const d = rng.bool(0.8)
          ? world.usualPayees[c * PAYEES_PER_CUSTOMER + rng.int(PAYEES_PER_CUSTOMER)]!
          : rng.int(world.customers);
        return d === c ? (c + 1) % world.customers : d;
      }
      default:
        return rng.bool(0.9)
          ? world.usualAgent[c]!
          : world.agentsFrom + rng.int(world.merchantsFrom - world.agentsFrom);
    }
  }

  function advance(): void {
    let caseName: TypologyName | null = null;
    let caseTime = Infinity;
    for (const name of TYPOLOGY_NAMES) {
      if (caseAt[name] < caseTime) {
        caseTime = caseAt[name];
        caseName = name;
      }
    }
    const stepTime = steps.peek()?.at ?? Infinity;
    const earliest = Math.min(legitAt, caseTime, stepTime);
    const nextPhase = scenario.phases[nextPhaseIndex];
    if (nextPhase && earliest >= start + nextPhase.fromMs) {
      phase = nextPhase;
      nextPhaseIndex++;
      if (!override) resetCases(start + nextPhase.fromMs);
      return;
    }
    if (stepTime === earliest) {
      const step = steps.pop()!;
      step.run(step.at);
    } else if (caseTime === earliest && caseName) {
      stats.casesStarted++;
      if (!TYPOLOGIES[caseName].start(ctx, caseTime)) stats.casesSkipped++;
      const r = rates()[caseName] ?? 0;
      caseAt[caseName] = caseTime + rng.exp(TYPOLOGIES[caseName].txPerCase / (r * baseRatePerMs));
    } else {
      legit(legitAt);
      legitAt = drawLegitAt(legitAt);
    }
  }

  resetCases(start);
  legitAt = drawLegitAt(start);

  const sim: Simulator = {
    next() {
      while (outHead >= out.length) {
        out.length = 0;
        outHead = 0;
        advance();
      }
      const ev = out[outHead++]!;
      now = ev.transaction.eventTime;
      return ev;
    },
    get now() {
      return now;
    },
    start,
    get phase() {
      return phase;
    },
    stats,
    seedTag,
    setTypologyRates(r) {
      override = r;
      resetCases(now);
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
