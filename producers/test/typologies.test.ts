import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCENARIO,
  NIGHT_FROM_HOUR,
  NIGHT_TO_HOUR,
  REPORTING_LIMIT,
  simulate,
  TYPOLOGY_NAMES,
  type SimEvent,
  type TypologyName,
} from '../src/index.ts';

const MAJOR = 100;
const MINUTE = 60_000;

/** A stream where only `typology` commits fraud, at 1% of transactions, plus which accounts appeared when. */
function run(typology: TypologyName, n = 60_000, horizonHours = 2, seed: string | number = 1) {
  const evs = simulate(
    {
      seed,
      start: Date.UTC(2026, 0, 1),
      scenario: { ...DEFAULT_SCENARIO, phases: [{ name: typology, fromMs: 0, typologies: { [typology]: 0.01 } }] },
    },
    n,
  );
  const firstSeen = new Map<string, number>();
  evs.forEach((e, i) => {
    for (const a of [e.transaction.originAccount, e.transaction.destAccount])
      if (!firstSeen.has(a)) firstSeen.set(a, i);
  });
  // Cases still running when the stream ends are incomplete: only look at those done by the horizon.
  const horizon = evs[evs.length - 1]!.transaction.eventTime - horizonHours * 60 * MINUTE;
  const all = evs.map((e, i) => ({ ...e, i })).filter((e) => e.isFraud);
  const mule = (e: SimEvent) =>
    e.transaction.type === 'CASH_OUT' ? e.transaction.originAccount : e.transaction.destAccount;
  const late = new Set(all.filter((e) => e.transaction.eventTime > horizon).map(mule));
  const fraud = all.filter((e) => !late.has(mule(e)));
  return { evs, fraud, firstSeen };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

const noTypologyInTransaction = (evs: SimEvent[]) =>
  evs.every((e) => !TYPOLOGY_NAMES.some((t) => JSON.stringify(e.transaction).includes(t)));

describe('fraud typologies produce their pattern', { timeout: 240_000 }, () => {
  it('takeover: the whole balance (in chunks of at most 10M) to a fresh mule, who cashes it out', () => {
    const { evs, fraud, firstSeen } = run('takeover');
    const transfers = fraud.filter((e) => e.transaction.type === 'TRANSFER');
    const cashouts = fraud.filter((e) => e.transaction.type === 'CASH_OUT');
    expect(transfers.length).toBeGreaterThan(100);
    expect(fraud.every((e) => e.typology === 'takeover' && e.label?.label.typology === 'takeover')).toBe(true);
    const problems: string[] = [];
    for (const t of transfers) {
      const tx = t.transaction;
      if (tx.amount !== Math.min(tx.originBalanceBefore, 10_000_000 * MAJOR))
        problems.push(`${tx.txId}: ${tx.amount} of ${tx.originBalanceBefore}`);
      if (
        firstSeen.get(tx.destAccount)! < t.i &&
        !transfers.some((o) => o.i < t.i && o.transaction.destAccount === tx.destAccount)
      )
        problems.push(`${tx.txId}: mule seen before`);
      const out = cashouts.find(
        (c) => c.transaction.originAccount === tx.destAccount && c.i > t.i && c.transaction.amount === tx.amount,
      );
      if (!out) problems.push(`${tx.txId}: no cash-out`);
      if (out && out.transaction.eventTime - tx.eventTime > 45 * MINUTE)
        problems.push(`${tx.txId}: cash-out after ${out.transaction.eventTime - tx.eventTime} ms`);
    }
    expect(problems.slice(0, 5).join('\n')).toBe('');
    expect(cashouts.length).toBeGreaterThan(transfers.length * 0.9);
    expect(fraud.every((e) => e.transaction.type === 'TRANSFER' || e.transaction.type === 'CASH_OUT')).toBe(true);
    expect(noTypologyInTransaction(evs)).toBe(true);
  });

  it('partial-drain: 60-95% of the balance in one or two round transfers below the reporting limit', () => {
    const { fraud } = run('partial-drain');
    const victims = groupBy(
      fraud.filter((e) => e.transaction.type === 'TRANSFER'),
      (e) => `${e.transaction.originAccount}>${e.transaction.destAccount}`,
    );
    expect(victims.size).toBeGreaterThan(40);
    const problems: string[] = [];
    let notWholeBalance = 0;
    let twoSteps = 0;
    for (const [victim, txs] of victims) {
      const amounts = txs.map((t) => t.transaction.amount);
      const share = amounts.reduce((a, b) => a + b, 0) / txs[0]!.transaction.originBalanceBefore;
      if (txs.length > 2) problems.push(`${victim}: ${txs.length} steps`);
      if (txs.length === 2) twoSteps++;
      if (share < 0.6 || share > 0.95) problems.push(`${victim}: took ${share.toFixed(3)} of the balance`);
      if (amounts.some((a) => a % (1_000 * MAJOR) !== 0 || a >= REPORTING_LIMIT * MAJOR))
        problems.push(`${victim}: amounts ${amounts.join(',')}`);
      if (new Set(txs.map((t) => t.transaction.destAccount)).size !== 1) problems.push(`${victim}: several mules`);
      if (txs.every((t) => t.transaction.amount !== t.transaction.originBalanceBefore)) notWholeBalance++;
    }
    expect(problems.slice(0, 5).join('\n')).toBe('');
    expect(notWholeBalance).toBe(victims.size);
    expect(twoSteps).toBeGreaterThan(0);
    expect(twoSteps).toBeLessThan(victims.size);
  });

  it('mule-fan-in: many victims pay one new account that cashes out within minutes of the last payment', () => {
    const { fraud, firstSeen } = run('mule-fan-in', 120_000, 7);
    const mules = groupBy(
      fraud.filter((e) => e.transaction.type === 'TRANSFER'),
      (e) => e.transaction.destAccount,
    );
    expect(mules.size).toBeGreaterThan(15);
    const problems: string[] = [];
    const senders: number[] = [];
    for (const [mule, ins] of mules) {
      senders.push(new Set(ins.map((t) => t.transaction.originAccount)).size);
      if (firstSeen.get(mule) !== ins[0]!.i) problems.push(`${mule}: seen before its first incoming transfer`);
      const last = ins[ins.length - 1]!;
      const out = fraud.find((e) => e.transaction.type === 'CASH_OUT' && e.transaction.originAccount === mule);
      if (!out) {
        problems.push(`${mule}: no cash-out`);
        continue;
      }
      if (
        out.transaction.eventTime < last.transaction.eventTime ||
        out.transaction.eventTime - last.transaction.eventTime > 20 * MINUTE
      )
        problems.push(
          `${mule}: cash-out ${out.transaction.eventTime - last.transaction.eventTime} ms after the last transfer`,
        );
      if (out.transaction.amount !== out.transaction.originBalanceBefore)
        problems.push(`${mule}: cash-out leaves money behind`);
      const received = ins.reduce((a, t) => a + t.transaction.amount, 0);
      if (out.transaction.amount !== received)
        problems.push(`${mule}: cashed out ${out.transaction.amount}, received ${received}`);
    }
    expect(problems.slice(0, 5).join('\n')).toBe('');
    senders.sort((a, b) => a - b);
    expect(senders[0]).toBeGreaterThanOrEqual(3);
    expect(senders[Math.floor(senders.length / 2)]).toBeGreaterThanOrEqual(5);
  });

  it('velocity-burst: at least 8 small transfers from one account within 30 minutes', () => {
    const { fraud } = run('velocity-burst');
    const bursts = groupBy(fraud, (e) => e.transaction.originAccount);
    expect(bursts.size).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const [acct, txs] of bursts) {
      if (txs.length < 8) problems.push(`${acct}: ${txs.length} transfers`);
      if (txs.some((t) => t.transaction.type !== 'TRANSFER' || t.transaction.amount >= 1_000 * MAJOR))
        problems.push(`${acct}: not small transfers`);
      const span = txs[txs.length - 1]!.transaction.eventTime - txs[0]!.transaction.eventTime;
      if (span > 30 * MINUTE) problems.push(`${acct}: spans ${span} ms`);
      if (new Set(txs.map((t) => t.transaction.destAccount)).size > 2) problems.push(`${acct}: more than two payees`);
    }
    expect(problems.slice(0, 5).join('\n')).toBe('');
  });

  it('new-payee-night: one large transfer to a never-seen payee between 01:00 and 05:00', () => {
    const { fraud, firstSeen } = run('new-payee-night', 80_000);
    expect(fraud.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const e of fraud) {
      const tx = e.transaction;
      const hour = new Date(tx.eventTime).getUTCHours();
      if (tx.type !== 'TRANSFER') problems.push(`${tx.txId}: ${tx.type}`);
      if (hour < NIGHT_FROM_HOUR || hour >= NIGHT_TO_HOUR) problems.push(`${tx.txId}: at ${hour}h`);
      if (firstSeen.get(tx.destAccount) !== e.i) problems.push(`${tx.txId}: payee seen before`);
      if (tx.amount < 0.5 * tx.originBalanceBefore || tx.amount < 10_000 * MAJOR)
        problems.push(`${tx.txId}: ${tx.amount} of ${tx.originBalanceBefore}`);
    }
    expect(problems.slice(0, 5).join('\n')).toBe('');
    expect(new Set(fraud.map((e) => e.transaction.destAccount)).size).toBe(fraud.length);
  });
});
