import type { Transaction } from '@fraud/schemas';
import { MinHeap } from '../../heap.ts';
import { planLabel } from '../../labels.ts';
import { createRng, hashSeed, type Rng } from '../../rng.ts';
import { accountNumber } from '../../world.ts';
import {
  CARD_TYPOLOGY_NAMES,
  DEFAULT_CARD_SCENARIO,
  phaseAt,
  type CardTypologyName,
  type Phase,
  type Scenario,
  type TypologyRates,
} from '../../scenario.ts';
import type { EventSource, WorldEvent, WorldStats } from '../events.ts';
import { CARD_HOURLY_FACTORS, MERCHANT_CATEGORIES } from './catalog.ts';
import { CARD_TYPOLOGIES, type CardFraudContext, type CardPayment } from './typologies.ts';
import { createCardWorld, pickCard, USUAL_ONLINE, LOCAL_TERMINALS, usualAmount, type CardWorld } from './world.ts';

const DEFAULT_START = Date.UTC(2026, 0, 1);
const H = 3_600_000;

export interface CardSimulatorOptions {
  seed: string | number;
  /** A card-world scenario; default DEFAULT_CARD_SCENARIO. */
  scenario?: Scenario;
  /** Simulated epoch ms of the start; default scenario.start, else 2026-01-01T00:00Z. */
  start?: number;
  /** Told when a terminal is compromised (tests and tools: the truth behind the labels). */
  onCompromise?: (c: { terminalId: string; from: number; until: number }) => void;
}

export interface CardSimulator extends EventSource {
  readonly world: CardWorld;
  readonly phase: Phase;
}

interface Step {
  at: number;
  seq: number;
  run: (at: number) => void;
}

interface CardState {
  scenario: Scenario;
  start: number;
  rng: Rng;
  labelRng: Rng;
  seedTag: string;
  mask: number;
  world: CardWorld;
  baseRatePerMs: number;
  steps: MinHeap<Step>;
  out: WorldEvent[];
  outHead: number;
  seq: number;
  txSeq: number;
  deviceSeq: number;
  now: number;
  legitAt: number;
  override: TypologyRates | null;
  phase: Phase;
  nextPhaseIndex: number;
  caseAt: Record<CardTypologyName, number>;
  /** Compromised terminals and the end of their window. */
  compromised: Map<number, number>;
  onCompromise: CardSimulatorOptions['onCompromise'];
  stats: WorldStats;
}

/**
 * The card-payments world (docs/producers.md, "Worlds"): the same discrete-event loop as the
 * PaySim world, merging legitimate arrivals (a Poisson process following the card hourly cycle),
 * fraud case starts (one Poisson process per scenario) and the scheduled steps of running cases.
 * Pure and synchronous: the same seed and scenario give the same stream.
 */
export function createCardSimulator(options: CardSimulatorOptions): CardSimulator {
  const s = createCardState(options);
  const ctx = fraudContext(s);
  warmUp(s, ctx);
  resetCases(s, s.start);
  s.legitAt = drawLegitAt(s, s.start);
  const sim: CardSimulator = {
    next: () => nextEvent(s, ctx),
    get now() {
      return s.now;
    },
    start: s.start,
    get phase() {
      return s.phase;
    },
    stats: s.stats,
    seedTag: s.seedTag,
    world: s.world,
    setTypologyRates(r) {
      s.override = r;
      resetCases(s, s.now);
    },
    *[Symbol.iterator]() {
      for (;;) yield sim.next();
    },
  };
  return sim;
}

function createCardState(options: CardSimulatorOptions): CardState {
  const scenario = options.scenario ?? DEFAULT_CARD_SCENARIO;
  const start = options.start ?? scenario.start ?? DEFAULT_START;
  const rng = createRng(options.seed);
  const mask = hashSeed(`${options.seed}:ids`);
  const phase = phaseAt(scenario, 0);
  return {
    scenario,
    start,
    rng,
    labelRng: createRng(`${options.seed}:labels`),
    seedTag: hashSeed(options.seed).toString(16).padStart(8, '0'),
    mask,
    world: createCardWorld(scenario.population, rng, mask),
    baseRatePerMs: scenario.txPerHour / H,
    steps: new MinHeap<Step>(),
    out: [],
    outHead: 0,
    seq: 0,
    txSeq: 0,
    deviceSeq: 0,
    now: start,
    legitAt: start,
    override: null,
    phase,
    nextPhaseIndex: scenario.phases.indexOf(phase) + 1,
    caseAt: Object.fromEntries(CARD_TYPOLOGY_NAMES.map((n) => [n, Infinity])) as Record<CardTypologyName, number>,
    compromised: new Map(),
    onCompromise: options.onCompromise,
    stats: {
      transactions: 0,
      fraud: 0,
      casesStarted: 0,
      casesSkipped: 0,
      byTypology: Object.fromEntries(CARD_TYPOLOGY_NAMES.map((n) => [n, 0])),
    },
  };
}

/** Longest a case lasts (a compromised terminal's window); the warm-up covers it. */
const WARM_UP_MS = 7 * 24 * H;

/**
 * Starts the cases of the week before the start (first phase's rates), as if the world had been
 * running: a compromised terminal stays fraudulent for up to 7 days and a spike lasts up to 4,
 * so without it the fraud rate would ramp up over the first week instead of being the
 * scenario's from the first hour. Steps due before the start are dropped (no event precedes it).
 */
function warmUp(s: CardState, ctx: CardFraudContext): void {
  resetCases(s, s.start - WARM_UP_MS);
  for (;;) {
    let name: CardTypologyName | null = null;
    for (const n of CARD_TYPOLOGY_NAMES) if (s.caseAt[n] < s.start && (!name || s.caseAt[n] < s.caseAt[name])) name = n;
    if (name === null) break;
    const at = s.caseAt[name];
    CARD_TYPOLOGIES[name].start(ctx, at);
    s.caseAt[name] = at + s.rng.exp(1 / casesPerMs(s, name));
  }
  while ((s.steps.peek()?.at ?? Infinity) < s.start) s.steps.pop();
}

/** The one place a card transaction is made: no balances, card and merchant fields filled. */
function makeCardTx(s: CardState, p: CardPayment, at: number): Transaction {
  const w = s.world;
  const cp = p.kind === 'CP';
  const merchant = cp ? w.terminalMerchant[p.at]! : p.at;
  return {
    txId: `card-${s.seedTag}-${s.txSeq++}`,
    eventTime: Math.floor(at),
    type: cp ? 'CARD_PRESENT' : 'CARD_NOT_PRESENT',
    typeName: null,
    amount: p.amount,
    currency: s.scenario.currency,
    originAccount: w.cardIds[p.card]!,
    originBalanceBefore: null,
    destAccount: w.merchantIds[merchant]!,
    destBalanceBefore: null,
    channel: cp ? 'POS' : 'ECOM',
    merchantId: w.merchantIds[merchant]!,
    merchantCategory: MERCHANT_CATEGORIES[w.merchantCategory[merchant]!]!.mcc,
    terminalId: cp ? w.terminalIds[p.at]! : null,
    country: p.country ?? w.merchantCountry[merchant]!,
    deviceId: p.device,
    attributes: {},
  };
}

function push(s: CardState, tx: Transaction, typology: CardTypologyName | null): void {
  s.stats.transactions++;
  if (typology) {
    s.stats.fraud++;
    s.stats.byTypology[typology] = (s.stats.byTypology[typology] ?? 0) + 1;
  }
  const isFraud = typology !== null;
  const label = planLabel(s.scenario.labels, s.labelRng, tx, isFraud, typology);
  s.out.push(label ? { transaction: tx, isFraud, typology, label } : { transaction: tx, isFraud, typology });
}

function fraudContext(s: CardState): CardFraudContext {
  return {
    rng: s.rng,
    world: s.world,
    schedule: (at, run) => s.steps.push({ at, seq: s.seq++, run }),
    emit: (typology, payment, at) => push(s, makeCardTx(s, payment, at), typology),
    compromiseTerminal: (terminal, from, until) => {
      s.compromised.set(terminal, Math.max(until, s.compromised.get(terminal) ?? 0));
      s.onCompromise?.({ terminalId: s.world.terminalIds[terminal]!, from, until });
    },
    newDevice: () => `D${accountNumber(s.world.customers * 2 + s.deviceSeq++, s.mask ^ 0x1b873593)}`,
  };
}

/** A holder's own payment: at a local terminal (now and then one anywhere: travel) or online. */
function legit(s: CardState, at: number): void {
  const { world: w, rng } = s;
  const card = pickCard(w, rng);
  if (rng.bool(w.cnpShare[card]!)) {
    const merchant = rng.bool(0.8)
      ? w.usualOnline[card * USUAL_ONLINE + rng.int(USUAL_ONLINE)]!
      : w.onlineMerchants[rng.int(w.onlineMerchants.length)]!;
    const device = w.devices[2 * card + (rng.bool(0.85) ? 0 : 1)]!;
    const amount = usualAmount(w, rng, card, w.merchantCategory[merchant]!);
    push(s, makeCardTx(s, { card, kind: 'CNP', at: merchant, amount, device }, at), null);
    return;
  }
  const terminal = rng.bool(0.985)
    ? w.localTerminals[card * LOCAL_TERMINALS + rng.int(LOCAL_TERMINALS)]!
    : rng.int(w.terminalIds.length);
  const amount = usualAmount(w, rng, card, w.merchantCategory[w.terminalMerchant[terminal]!]!);
  const until = s.compromised.get(terminal);
  if (until !== undefined && until <= at) s.compromised.delete(terminal);
  const fraud = until !== undefined && at < until ? 'compromised-terminal' : null;
  push(s, makeCardTx(s, { card, kind: 'CP', at: terminal, amount, device: null }, at), fraud);
}

function rates(s: CardState): TypologyRates {
  return s.override ?? s.phase.typologies;
}

/** Redraws every scenario's next case start from time t (Poisson processes are memoryless). */
function resetCases(s: CardState, t: number): void {
  for (const name of CARD_TYPOLOGY_NAMES) {
    const perMs = casesPerMs(s, name);
    s.caseAt[name] = perMs > 0 ? t + s.rng.exp(1 / perMs) : Infinity;
  }
}

function casesPerMs(s: CardState, name: CardTypologyName): number {
  const perTx = rates(s)[name] ?? 0;
  const perCase = CARD_TYPOLOGIES[name].txPerCase(s.world, s.scenario.txPerHour * 24);
  return (perTx * s.baseRatePerMs) / Math.max(perCase, 1e-9);
}

function drawLegitAt(s: CardState, t: number): number {
  let need = s.rng.exp(1);
  for (;;) {
    const hourEnd = (Math.floor(t / H) + 1) * H;
    const r = s.baseRatePerMs * CARD_HOURLY_FACTORS[Math.floor(t / H) % 24]!;
    if (need <= r * (hourEnd - t)) return t + need / r;
    need -= r * (hourEnd - t);
    t = hourEnd;
  }
}

/** Runs the earliest of: a phase change, a case step, a case start, a legitimate arrival. */
function advance(s: CardState, ctx: CardFraudContext): void {
  let caseName: CardTypologyName | null = null;
  let caseTime = Infinity;
  for (const n of CARD_TYPOLOGY_NAMES) {
    if (s.caseAt[n] < caseTime) {
      caseTime = s.caseAt[n];
      caseName = n;
    }
  }
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
    CARD_TYPOLOGIES[caseName].start(ctx, caseTime);
    s.caseAt[caseName] = caseTime + s.rng.exp(1 / casesPerMs(s, caseName));
  } else {
    legit(s, s.legitAt);
    s.legitAt = drawLegitAt(s, s.legitAt);
  }
}

function nextEvent(s: CardState, ctx: CardFraudContext): WorldEvent {
  while (s.outHead >= s.out.length) {
    s.out.length = 0;
    s.outHead = 0;
    advance(s, ctx);
  }
  const ev = s.out[s.outHead++]!;
  s.now = ev.transaction.eventTime;
  return ev;
}
