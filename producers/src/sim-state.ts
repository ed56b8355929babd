import type { PaySimTransaction, PaySimType } from '@fraud/schemas';
import { MinHeap } from './heap.ts';
import { planLabel } from './labels.ts';
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
import type { SimEvent, SimulatorOptions, SimulatorStats } from './simulator.ts';
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
  type TypePicker,
  type World,
} from './world.ts';

/**
 * The simulator's state and its discrete-event steps (createSimulator in simulator.ts wires
 * them). Every random draw goes through `rng` (or `labelRng` for labels) in a fixed order: the
 * same seed and scenario give the same stream.
 */

const DEFAULT_START = Date.UTC(2026, 0, 1);
const OUT: ReadonlySet<PaySimType> = new Set(['CASH_OUT', 'PAYMENT', 'TRANSFER', 'DEBIT']);

interface Step {
  at: number;
  seq: number;
  run: (at: number) => void;
}

export interface SimState {
  readonly scenario: Scenario;
  readonly start: number;
  readonly rng: Rng;
  readonly labelRng: Rng;
  readonly seedMask: number;
  readonly seedTag: string;
  readonly world: World;
  readonly baseRatePerMs: number;
  readonly typePicker: TypePicker;
  /** Scheduled steps of running fraud cases, earliest first (ties in scheduling order). */
  readonly steps: MinHeap<Step>;
  /** Events produced by the last step, handed out from outHead. */
  readonly out: SimEvent[];
  outHead: number;
  seq: number;
  txSeq: number;
  now: number;
  legitAt: number;
  override: TypologyRates | null;
  phase: Phase;
  nextPhaseIndex: number;
  /** Next case start per typology (Infinity when the typology's rate is 0). */
  readonly caseAt: Record<TypologyName, number>;
  readonly stats: SimulatorStats;
}

function emptyStats(): SimulatorStats {
  return {
    transactions: 0,
    fraud: 0,
    casesStarted: 0,
    casesSkipped: 0,
    topUps: 0,
    byType: { CASH_IN: 0, CASH_OUT: 0, DEBIT: 0, PAYMENT: 0, TRANSFER: 0 },
    byTypology: Object.fromEntries(TYPOLOGY_NAMES.map((n) => [n, 0])) as Record<TypologyName, number>,
  };
}

export function createSimState(options: SimulatorOptions): SimState {
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  const start = options.start ?? scenario.start ?? DEFAULT_START;
  const rng = createRng(options.seed);
  const labelRng = createRng(`${options.seed}:labels`);
  const seedMask = hashSeed(`${options.seed}:ids`);
  const seedTag = hashSeed(options.seed).toString(16).padStart(8, '0');
  const world = createWorld(scenario.population, rng, scenario.txPerHour, seedMask);
  const phase = phaseAt(scenario, 0);
  return {
    scenario,
    start,
    rng,
    labelRng,
    seedMask,
    seedTag,
    world,
    baseRatePerMs: scenario.txPerHour / 3_600_000,
    typePicker: createTypePicker(),
    steps: new MinHeap<Step>(),
    out: [],
    outHead: 0,
    seq: 0,
    txSeq: 0,
    now: start,
    legitAt: start,
    override: null,
    phase,
    nextPhaseIndex: scenario.phases.indexOf(phase) + 1,
    caseAt: Object.fromEntries(TYPOLOGY_NAMES.map((n) => [n, Infinity])) as Record<TypologyName, number>,
    stats: emptyStats(),
  };
}

function nextTxId(s: SimState): string {
  return `sim-${s.seedTag}-${s.txSeq++}`;
}

function push(s: SimState, tx: PaySimTransaction, isFraud: boolean, typology: TypologyName | null): void {
  s.stats.transactions++;
  s.stats.byType[tx.type]++;
  if (isFraud && typology) {
    s.stats.fraud++;
    s.stats.byTypology[typology]++;
  }
  const label = planLabel(s.scenario.labels, s.labelRng, tx, isFraud, typology);
  s.out.push(label ? { transaction: tx, isFraud, typology, label } : { transaction: tx, isFraud, typology });
}

function takeVictim(s: SimState, at: number, min: number, max: number, holdUntil: number): number | undefined {
  const { world, rng } = s;
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
}

/** What the fraud typologies may do to the world: schedule steps, emit fraud, take accounts. */
export function createFraudContext(s: SimState): FraudContext {
  const { rng, world } = s;
  return {
    rng,
    world,
    schedule: (at, run) => s.steps.push({ at, seq: s.seq++, run }),
    emit: (typology, type, origin, dest, amount, at) => {
      const tx = makeTransaction(world, nextTxId(s), at, type, origin, dest, amount, s.scenario.currency);
      push(s, tx, true, typology);
      return tx;
    },
    newAccount: (at) => addAccount(world, `C${accountNumber(world.ids.length, s.seedMask)}`, at),
    takeVictim: (at, min, max, holdUntil) => takeVictim(s, at, min, max, holdUntil),
    pickAgent: () => world.agentsFrom + rng.int(world.merchantsFrom - world.agentsFrom),
  };
}

function rates(s: SimState): TypologyRates {
  return s.override ?? s.phase.typologies;
}

/** Redraws every typology's next case start from time t (Poisson processes are memoryless). */
export function resetCases(s: SimState, t: number): void {
  const r = rates(s);
  for (const name of TYPOLOGY_NAMES) {
    const perTx = r[name] ?? 0;
    const casesPerMs = (perTx * s.baseRatePerMs) / TYPOLOGIES[name].txPerCase;
    s.caseAt[name] = casesPerMs > 0 ? t + s.rng.exp(1 / casesPerMs) : Infinity;
  }
}

/** The next legitimate arrival after t: a Poisson process whose rate follows the hourly cycle. */
export function drawLegitAt(s: SimState, t: number): number {
  let need = s.rng.exp(1);
  for (;;) {
    const hourEnd = (Math.floor(t / 3_600_000) + 1) * 3_600_000;
    const r = s.baseRatePerMs * hourFactor(t);
    if (need <= r * (hourEnd - t)) return t + need / r;
    need -= r * (hourEnd - t);
    t = hourEnd;
  }
}

function legit(s: SimState, at: number): void {
  const { world, rng, typePicker } = s;
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
      s.stats.topUps++;
      const topUp = Math.max(habitAmount(world, rng, c, 'CASH_IN'), Math.ceil(shortfall / 10_000) * 10_000);
      typePicker.record('CASH_IN');
      const dest = destFor(s, c, 'CASH_IN');
      push(s, makeTransaction(world, nextTxId(s), at, 'CASH_IN', c, dest, topUp, s.scenario.currency), false, null);
    }
  }
  typePicker.record(type);
  const dest = destFor(s, c, type);
  push(s, makeTransaction(world, nextTxId(s), at, type, c, dest, amount, s.scenario.currency), false, null);
}

function destFor(s: SimState, c: number, type: PaySimType): number {
  const { world, rng } = s;
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
      return rng.bool(0.9) ? world.usualAgent[c]! : world.agentsFrom + rng.int(world.merchantsFrom - world.agentsFrom);
  }
}

function earliestCase(s: SimState): { name: TypologyName | null; time: number } {
  let name: TypologyName | null = null;
  let time = Infinity;
  for (const n of TYPOLOGY_NAMES) {
    if (s.caseAt[n] < time) {
      time = s.caseAt[n];
      name = n;
    }
  }
  return { name, time };
}

/** Runs the earliest of: a phase change, a case step, a case start, a legitimate arrival. */
function advance(s: SimState, ctx: FraudContext): void {
  const { name: caseName, time: caseTime } = earliestCase(s);
  const stepTime = s.steps.peek()?.at ?? Infinity;
  const earliest = Math.min(s.legitAt, caseTime, stepTime);
  const nextPhase = s.scenario.phases[s.nextPhaseIndex];
  if (nextPhase && earliest >= s.start + nextPhase.fromMs) {
    s.phase = nextPhase;
    s.nextPhaseIndex++;
    if (!s.override) resetCases(s, s.start + nextPhase.fromMs);
    return;
  }
  if (stepTime === earliest) {
    const step = s.steps.pop()!;
    step.run(step.at);
  } else if (caseTime === earliest && caseName) {
    s.stats.casesStarted++;
    if (!TYPOLOGIES[caseName].start(ctx, caseTime)) s.stats.casesSkipped++;
    const r = rates(s)[caseName] ?? 0;
    s.caseAt[caseName] = caseTime + s.rng.exp(TYPOLOGIES[caseName].txPerCase / (r * s.baseRatePerMs));
  } else {
    legit(s, s.legitAt);
    s.legitAt = drawLegitAt(s, s.legitAt);
  }
}

/** The next event in simulated-time order, advancing the world until one is produced. */
export function nextEvent(s: SimState, ctx: FraudContext): SimEvent {
  while (s.outHead >= s.out.length) {
    s.out.length = 0;
    s.outHead = 0;
    advance(s, ctx);
  }
  const ev = s.out[s.outHead++]!;
  s.now = ev.transaction.eventTime;
  return ev;
}
