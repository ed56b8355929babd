import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import {
  createCardSimulator,
  createWorldSimulator,
  DEFAULT_CARD_SCENARIO,
  DEFAULT_SCENARIO,
  handbookCsvLines,
  HANDBOOK_COLUMNS,
  loadScenario,
  scenarioFromObject,
  simulateCard,
  type Scenario,
  type WorldEvent,
} from '../src/index.ts';
import { SCENARIOS_DIR } from './helpers.ts';

const H = 3_600_000;
const DAY = 24 * H;
const SMALL = { customers: 2_000, terminals: 800, merchants: 300 };

function digest(txs: readonly Transaction[]): string {
  return createHash('sha256').update(JSON.stringify(txs)).digest('hex');
}

/** A small card world with every scenario at a higher rate, `days` simulated days, with its world. */
function run(
  seed: string,
  days: number,
  rates: Scenario['phases'][0]['typologies'],
  onCompromise?: (c: { terminalId: string; from: number; until: number }) => void,
) {
  const scenario: Scenario = {
    ...DEFAULT_CARD_SCENARIO,
    txPerHour: (SMALL.customers * 3) / 24,
    population: { ...DEFAULT_CARD_SCENARIO.population, ...SMALL },
    phases: [{ name: 'all', fromMs: 0, typologies: rates }],
  };
  const sim = createCardSimulator({
    seed,
    scenario,
    start: Date.UTC(2026, 0, 1),
    ...(onCompromise ? { onCompromise } : {}),
  });
  const events: WorldEvent[] = [];
  for (let e = sim.next(); e.transaction.eventTime < sim.start + days * DAY; e = sim.next()) events.push(e);
  return { sim, events, end: sim.start + days * DAY };
}

describe('card world', { timeout: 120_000 }, () => {
  const data = simulateCard({ seed: 'card-test', days: 14, ...SMALL });

  it('is deterministic by seed: the same seed gives the same payments and labels, another seed others', () => {
    const again = simulateCard({ seed: 'card-test', days: 14, ...SMALL });
    expect(digest(again.transactions)).toBe(digest(data.transactions));
    expect(again.labels).toEqual(data.labels);
    const other = simulateCard({ seed: 'card-test-2', days: 14, ...SMALL });
    expect(digest(other.transactions)).not.toBe(digest(data.transactions));
  });

  it('has card fields and no balances: MCC 4 digits, country 2 letters, terminal for CP, device for CNP', () => {
    const txs = data.transactions;
    expect(txs.length).toBeGreaterThan(14 * 2_000 * 2);
    // One message per kind of violation (an expect per field of 100,000 payments is slow).
    const bad = new Set<string>();
    for (const tx of txs) {
      if (tx.originBalanceBefore !== null || tx.destBalanceBefore !== null) bad.add('balance');
      if (!/^\d{4}$/.test(tx.merchantCategory ?? '')) bad.add(`mcc ${tx.merchantCategory}`);
      if (!/^[A-Z]{2}$/.test(tx.country ?? '')) bad.add(`country ${tx.country}`);
      if (tx.destAccount !== tx.merchantId) bad.add('destAccount is not the merchant');
      if (!(Number.isInteger(tx.amount) && tx.amount > 0)) bad.add(`amount ${tx.amount}`);
      const cp = tx.type === 'CARD_PRESENT' && /^T\d+$/.test(tx.terminalId ?? '') && tx.deviceId === null;
      const cnp = tx.type === 'CARD_NOT_PRESENT' && tx.terminalId === null && /^D\d+$/.test(tx.deviceId ?? '');
      if (!(cp && tx.channel === 'POS') && !(cnp && tx.channel === 'ECOM')) bad.add(`${tx.type} fields`);
    }
    expect([...bad]).toEqual([]);
    for (let i = 1; i < txs.length; i++) expect(txs[i]!.eventTime).toBeGreaterThanOrEqual(txs[i - 1]!.eventTime);
    const mccs = new Set(txs.map((t) => t.merchantCategory));
    for (const mcc of ['5411', '5812', '5541', '5999', '5732', '4511']) expect(mccs.has(mcc)).toBe(true);
    const cnp = txs.filter((t) => t.type === 'CARD_NOT_PRESENT').length / txs.length;
    expect(cnp).toBeGreaterThan(0.15);
    expect(cnp).toBeLessThan(0.45);
  });

  it('the PaySim world keeps its balances and types (the default world)', () => {
    const sim = createWorldSimulator({ seed: 1, scenario: DEFAULT_SCENARIO });
    const tx = sim.next().transaction;
    expect(tx.originBalanceBefore).toEqual(expect.any(Number));
    expect(['CASH_IN', 'CASH_OUT', 'DEBIT', 'PAYMENT', 'TRANSFER']).toContain(tx.type);
    expect(createWorldSimulator({ seed: 1, scenario: DEFAULT_CARD_SCENARIO }).next().transaction.type).toMatch(
      /^CARD_/,
    );
  });

  it('fraud rate is in 0.2%..1% with every scenario present at the default rates', () => {
    const frauds = data.truth.filter((t) => t.isFraud).length;
    const rate = frauds / data.transactions.length;
    expect(rate).toBeGreaterThan(0.002);
    expect(rate).toBeLessThan(0.01);
    const typologies = new Set(data.truth.map((t) => t.typology).filter((t) => t !== null));
    expect([...typologies].sort()).toEqual(['card-spike', 'card-testing', 'compromised-terminal']);
  });

  it('compromised terminal: every payment at the terminal inside its 2-7 day window is fraud, none outside', () => {
    const windows = new Map<string, { from: number; until: number }[]>();
    const { events, sim } = run('terminal', 14, { 'compromised-terminal': 0.01 }, (c) => {
      windows.set(c.terminalId, [...(windows.get(c.terminalId) ?? []), c]);
    });
    const all = [...windows.values()].flat();
    expect(all.length).toBeGreaterThan(20);
    for (const w of all) {
      expect(w.until - w.from).toBeGreaterThanOrEqual(2 * DAY);
      expect(w.until - w.from).toBeLessThanOrEqual(7 * DAY);
    }
    let inside = 0;
    for (const e of events) {
      const t = e.transaction;
      const hit = (windows.get(t.terminalId ?? '') ?? []).some((w) => t.eventTime >= w.from && t.eventTime < w.until);
      if (hit) {
        inside++;
        expect(e.isFraud).toBe(true);
      }
      if (e.typology === 'compromised-terminal') {
        expect(hit).toBe(true);
        expect(t.type).toBe('CARD_PRESENT');
      }
    }
    expect(inside).toBeGreaterThan(100);
    expect(sim.stats.byTypology['compromised-terminal']).toBeGreaterThan(100);
  });

  it('card testing: many small online amounts at few merchants within minutes, then a large one', () => {
    const { events, end } = run('testing', 7, { 'card-testing': 0.01 });
    const cases = new Map<string, Transaction[]>();
    for (const e of events)
      if (e.typology === 'card-testing')
        cases.set(e.transaction.deviceId!, [...(cases.get(e.transaction.deviceId!) ?? []), e.transaction]);
    const complete = [...cases.values()].filter(
      (txs) => txs.at(-1)!.eventTime < end - 2 * H && txs.at(-1)!.amount >= 30_000,
    );
    expect(complete.length).toBeGreaterThan(10);
    for (const txs of complete) {
      const small = txs.slice(0, -1);
      const big = txs.at(-1)!;
      expect(new Set(txs.map((t) => t.originAccount)).size).toBe(1);
      expect(txs.every((t) => t.type === 'CARD_NOT_PRESENT')).toBe(true);
      expect(small.length).toBeGreaterThanOrEqual(5);
      expect(small.every((t) => t.amount <= 300)).toBe(true);
      expect(new Set(small.map((t) => t.merchantId)).size).toBeLessThanOrEqual(3);
      expect(small.at(-1)!.eventTime - small[0]!.eventTime).toBeLessThanOrEqual(20 * 120_000);
      expect(big.amount).toBeGreaterThanOrEqual(30_000);
      expect(big.eventTime - small.at(-1)!.eventTime).toBeGreaterThanOrEqual(5 * 60_000);
    }
  });

  it("card spike: the fraudster's payments are far above the card's usual amount, mostly online or abroad", () => {
    const { sim, events } = run('spike', 14, { 'card-spike': 0.005 });
    const w = sim.world;
    const index = new Map(w.cardIds.map((id, i) => [id, i]));
    const spikes = events.filter((e) => e.typology === 'card-spike').map((e) => e.transaction);
    expect(spikes.length).toBeGreaterThan(50);
    const legit = new Map<string, { sum: number; n: number }>();
    for (const e of events) {
      if (e.isFraud) continue;
      const s = legit.get(e.transaction.originAccount) ?? { sum: 0, n: 0 };
      s.sum += e.transaction.amount;
      s.n++;
      legit.set(e.transaction.originAccount, s);
    }
    let farAbove = 0;
    let unusual = 0;
    for (const tx of spikes) {
      const card = index.get(tx.originAccount)!;
      expect(tx.amount).toBeGreaterThanOrEqual(4 * w.meanAmount[card]! - 1);
      const s = legit.get(tx.originAccount);
      if (!s || tx.amount >= (3 * s.sum) / s.n) farAbove++;
      const abroad = tx.country !== countryOf(w, card);
      if (tx.type === 'CARD_NOT_PRESENT' || abroad) unusual++;
    }
    expect(farAbove / spikes.length).toBeGreaterThan(0.9);
    expect(unusual / spikes.length).toBeGreaterThan(0.9);
  });

  it('labels arrive after the configured delays, with the typology; legitimate ones sampled', () => {
    const d = simulateCard({
      seed: 'labels',
      days: 7,
      ...SMALL,
      labels: {
        fraudDelay: { kind: 'uniform', minMs: H, maxMs: 3 * H },
        legitDelay: { kind: 'fixed', ms: 2 * DAY },
        legitSampleRate: 0.5,
      },
    });
    const byId = new Map(d.transactions.map((t, i) => [t.txId, { t, truth: d.truth[i]! }]));
    const frauds = d.truth.filter((t) => t.isFraud).length;
    const fraudLabels = d.labels.filter((l) => l.isFraud);
    expect(fraudLabels.length).toBe(frauds);
    const legitLabels = d.labels.length - frauds;
    const legit = d.transactions.length - frauds;
    expect(legitLabels / legit).toBeGreaterThan(0.47);
    expect(legitLabels / legit).toBeLessThan(0.53);
    for (const l of d.labels) {
      const { t, truth } = byId.get(l.txId)!;
      expect(l.isFraud).toBe(truth.isFraud);
      expect(l.typology).toBe(truth.typology);
      const delay = l.labeledAt - t.eventTime;
      if (l.isFraud) {
        expect(delay).toBeGreaterThanOrEqual(H);
        expect(delay).toBeLessThanOrEqual(3 * H);
      } else expect(delay).toBe(2 * DAY);
    }
    for (let i = 1; i < d.labels.length; i++)
      expect(d.labels[i]!.labeledAt).toBeGreaterThanOrEqual(d.labels[i - 1]!.labeledAt);
  });

  it('writes the handbook CSV layout, one row per payment, with TX_FRAUD and scenario codes', () => {
    const lines = handbookCsvLines(data.transactions, data.truth);
    expect(lines[0]).toBe(HANDBOOK_COLUMNS.join(','));
    expect(lines).toHaveLength(data.transactions.length + 1);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.every((r) => r.length === HANDBOOK_COLUMNS.length)).toBe(true);
    expect(rows[0]![1]).toMatch(/^2026-01-01 \d\d:\d\d:\d\d$/);
    expect(rows.filter((r) => r[7] === '1').length).toBe(data.truth.filter((t) => t.isFraud).length);
    expect(new Set(rows.map((r) => r[8]))).toEqual(new Set(['0', '2', '3', '4']));
    const last = rows.at(-1)!;
    expect(Number(last[6])).toBe(13);
    expect(Number(last[4])).toBeCloseTo(data.transactions.at(-1)!.amount / 100, 2);
  });
});

function countryOf(w: { homeCountry: Uint8Array }, card: number): string {
  return ['FR', 'DE', 'ES', 'IT', 'NL', 'BE', 'GB', 'US'][w.homeCountry[card]!]!;
}

describe('card world scenarios', () => {
  it('card.yaml and card-testing-wave.yaml are card-world scenarios', async () => {
    const card = await loadScenario(join(SCENARIOS_DIR, 'card.yaml'));
    expect(card.world).toBe('card');
    expect(card.population.terminals).toBe(8_000);
    const wave = await loadScenario(join(SCENARIOS_DIR, 'card-testing-wave.yaml'));
    expect(wave.phases.map((p) => p.fromMs)).toEqual([0, 3 * DAY]);
    expect(wave.phases[0]!.typologies['card-testing']).toBeUndefined();
    expect(wave.phases[1]!.typologies['card-testing']).toBe(0.003);
  });

  it("a scenario naming another world's typology is refused, naming the world", () => {
    const doc = { world: 'card', phases: [{ name: 'p', typologies: { takeover: 0.001 } }] };
    expect(() => scenarioFromObject(doc)).toThrow(/takeover, not a typology of the card world/);
    try {
      scenarioFromObject({ phases: [{ name: 'p', typologies: { 'card-testing': 0.001 } }] });
      expect.unreachable();
    } catch (err: unknown) {
      expect(isFraudError(err) && err.code).toBe('CONFIG_INVALID');
      expect((err as Error).message).toMatch(/card-testing, not a typology of the paysim world/);
    }
  });

  it("a card scenario file without population or labels gets the card world's defaults", () => {
    const s = scenarioFromObject({ world: 'card', phases: [{ name: 'p', typologies: { 'card-spike': 0.001 } }] });
    expect(s.txPerHour).toBe(DEFAULT_CARD_SCENARIO.txPerHour);
    expect(s.population).toEqual(DEFAULT_CARD_SCENARIO.population);
    expect(s.labels).toEqual(DEFAULT_CARD_SCENARIO.labels);
    expect(s.currency).toBe('EUR');
    const paysim = scenarioFromObject({ phases: [{ name: 'p', typologies: { takeover: 0.001 } }] });
    expect(paysim.world).toBe('paysim');
    expect(paysim.txPerHour).toBe(DEFAULT_SCENARIO.txPerHour);
    expect(paysim.currency).toBe('USD');
  });
});
