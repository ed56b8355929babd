import { writeFile } from 'node:fs/promises';
import { seededRandom } from '@fraud/common';

/**
 * Small, seeded files in the layouts of the built-in mappings, so tests, docs and demos need no
 * download: the BankSim and Fraud Detection Handbook files are generated here with a few fraud
 * rows each (PaySim's real rows are in fixtures/paysim/). Same seed, same bytes.
 */

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

export interface SampleOptions {
  days?: number;
  customers?: number;
  /** Terminals (handbook) or merchants (BankSim). */
  terminals?: number;
  /** Mean transactions per customer per day. */
  perDay?: number;
  seed?: number;
}

export const HANDBOOK_HEADER =
  'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,' +
  'TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO';
const HANDBOOK_START = Date.UTC(2018, 3, 1);

export interface HandbookRow {
  id: number;
  seconds: number;
  customer: number;
  terminal: number;
  amount: number;
  fraud: 0 | 1;
  scenario: 0 | 1 | 2 | 3;
}

/**
 * The handbook's simulation, shrunk: customers pay at terminals during the day; scenario 1 is any
 * amount over 220, scenario 2 a terminal compromised for 28 days (all its payments fraud),
 * scenario 3 a customer whose card is compromised for 14 days (a third of the payments five times
 * larger). Rows come in time order, as the handbook writes them.
 */
export function handbookRows(o: SampleOptions = {}): HandbookRow[] {
  const r = seededRandom(o.seed ?? 1);
  const days = o.days ?? 60;
  const customers = o.customers ?? 60;
  const terminals = o.terminals ?? 40;
  const perDay = o.perDay ?? 2;
  const mean = Array.from({ length: customers }, () => 5 + r() * 145);
  const compromisedTerminal = new Map<number, number>();
  const compromisedCustomer = new Map<number, number>();
  const rows: Omit<HandbookRow, 'id'>[] = [];
  for (let day = 0; day < days; day++) {
    if (day % 7 === 0) compromisedTerminal.set(Math.floor(r() * terminals), day);
    if (day % 7 === 3) compromisedCustomer.set(Math.floor(r() * customers), day);
    for (let c = 0; c < customers; c++) {
      const n = Math.floor(r() * perDay * 2 + 0.5);
      for (let k = 0; k < n; k++) {
        const seconds = day * 86_400 + Math.floor(6 * 3600 + r() * 16 * 3600);
        const terminal = Math.floor(r() * terminals);
        let amount = Math.max(0.5, mean[c]! * (0.2 + 1.6 * r()));
        let scenario: HandbookRow['scenario'] = 0;
        const t = compromisedTerminal.get(terminal);
        const cc = compromisedCustomer.get(c);
        if (amount > 220) scenario = 1;
        else if (t !== undefined && day - t < 28) scenario = 2;
        else if (cc !== undefined && day - cc < 14 && r() < 1 / 3) {
          amount *= 5;
          scenario = 3;
        }
        rows.push({ seconds, customer: c, terminal, amount, fraud: scenario > 0 ? 1 : 0, scenario });
      }
    }
  }
  rows.sort((a, b) => a.seconds - b.seconds);
  return rows.map((x, id) => ({ id, ...x }));
}

function handbookDatetime(seconds: number): string {
  return new Date(HANDBOOK_START + seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

export function handbookCsv(rows: readonly HandbookRow[]): string {
  const lines = rows.map((x) =>
    [
      x.id,
      handbookDatetime(x.seconds),
      x.customer,
      x.terminal,
      x.amount.toFixed(2),
      x.seconds,
      Math.floor(x.seconds / 86_400),
      x.fraud,
      x.scenario,
    ].join(','),
  );
  return `${HANDBOOK_HEADER}\n${lines.join('\n')}\n`;
}

/** Writes a handbook-layout CSV; returns its rows (in file order) for the test's expectations. */
export async function writeHandbookSample(path: string, o: SampleOptions = {}): Promise<HandbookRow[]> {
  const rows = handbookRows(o);
  await writeFile(path, handbookCsv(rows));
  return rows;
}

export const BANKSIM_HEADER =
  '"step","customer","age","gender","zipcodeOri","merchant","zipMerchant","category","amount","fraud"';
const CATEGORIES = ['es_transportation', 'es_food', 'es_health', 'es_wellnessandbeauty', 'es_travel', 'es_tech'];

export interface BanksimRow {
  step: number;
  customer: string;
  age: string;
  gender: string;
  merchant: string;
  category: string;
  amount: number;
  fraud: 0 | 1;
}

/** BankSim's layout: one step a day, quoted ids ('C…', 'M…'), fraud mostly large travel and tech payments. */
export function banksimRows(o: SampleOptions = {}): BanksimRow[] {
  const r = seededRandom(o.seed ?? 2);
  const days = o.days ?? 30;
  const customers = Array.from({ length: o.customers ?? 40 }, (_, i) => ({
    id: `C${1_000_000_000 + i * 7919}`,
    age: String(Math.floor(r() * 7)),
    gender: pick(r, ['M', 'F', 'E', 'U']),
  }));
  const merchants = Array.from({ length: o.terminals ?? 12 }, (_, i) => ({
    id: `M${348_934_600 + i * 104_729}`,
    category: CATEGORIES[i % CATEGORIES.length]!,
  }));
  const rows: BanksimRow[] = [];
  for (let step = 0; step < days; step++) {
    for (const c of customers) {
      if (r() > (o.perDay ?? 1) / 2) continue;
      const m = pick(r, merchants);
      const fraud = (m.category === 'es_travel' || m.category === 'es_tech') && r() < 0.08 ? 1 : 0;
      const amount = fraud ? 200 + r() * 800 : 2 + r() * 60;
      rows.push({
        step,
        customer: c.id,
        age: c.age,
        gender: c.gender,
        merchant: m.id,
        category: m.category,
        amount,
        fraud,
      });
    }
  }
  return rows;
}

export function banksimCsv(rows: readonly BanksimRow[]): string {
  const q = (s: string): string => `'${s}'`;
  const lines = rows.map((x) =>
    [
      x.step,
      q(x.customer),
      q(x.age),
      q(x.gender),
      q('28007'),
      q(x.merchant),
      q('28007'),
      q(x.category),
      x.amount.toFixed(2),
      x.fraud,
    ].join(','),
  );
  return `${BANKSIM_HEADER}\n${lines.join('\n')}\n`;
}

export async function writeBanksimSample(path: string, o: SampleOptions = {}): Promise<BanksimRow[]> {
  const rows = banksimRows(o);
  await writeFile(path, banksimCsv(rows));
  return rows;
}
