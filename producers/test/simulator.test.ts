import { describe, expect, it } from 'vitest';
import { createSimulator, simulate, DEFAULT_SCENARIO, TYPOLOGY_NAMES, type SimEvent } from '../src/index.ts';

const START = Date.UTC(2026, 0, 1);
const fingerprint = (evs: SimEvent[]) =>
  evs.map((e) => JSON.stringify([e.transaction, e.isFraud, e.typology, e.label ?? null]));

describe('simulator', { timeout: 180_000 }, () => {
  it('is deterministic by seed: same seed, same stream; another seed, another stream', () => {
    const a = simulate({ seed: 'alpha', start: START }, 20_000);
    const b = simulate({ seed: 'alpha', start: START }, 20_000);
    const c = simulate({ seed: 'beta', start: START }, 20_000);
    expect(fingerprint(a)).toEqual(fingerprint(b));
    const fc = fingerprint(c);
    expect(fingerprint(a).filter((x, i) => x === fc[i]).length).toBe(0);
  });

  it('emits in event-time order with unique txIds and no ground truth in the transaction', () => {
    const evs = simulate(
      {
        seed: 3,
        start: START,
        scenario: {
          ...DEFAULT_SCENARIO,
          phases: [{ name: 'all', fromMs: 0, typologies: Object.fromEntries(TYPOLOGY_NAMES.map((n) => [n, 0.002])) }],
        },
      },
      50_000,
    );
    const ids = new Set<string>();
    const problems: string[] = [];
    const fields =
      'amount,attributes,channel,currency,destAccount,destBalanceBefore,' +
      'eventTime,originAccount,originBalanceBefore,txId,type';
    for (let i = 0; i < evs.length; i++) {
      const tx = evs[i]!.transaction;
      if (i > 0 && tx.eventTime < evs[i - 1]!.transaction.eventTime) problems.push(`${tx.txId} out of order`);
      ids.add(tx.txId);
      if (Object.keys(tx).sort().join(',') !== fields) problems.push(`${tx.txId} fields ${Object.keys(tx).join(',')}`);
      if (Object.keys(tx.attributes).length) problems.push(`${tx.txId} has attributes`);
      if (!Number.isSafeInteger(tx.amount) || tx.amount <= 0) problems.push(`${tx.txId} amount ${tx.amount}`);
      // PaySim's naming: merchants (M...) only receive PAYMENTs; everyone else is a C... account.
      if (!tx.originAccount.startsWith('C') || tx.destAccount.startsWith('M') !== (tx.type === 'PAYMENT'))
        problems.push(`${tx.txId} ${tx.type} ${tx.originAccount}->${tx.destAccount}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ids.size).toBe(evs.length);
    expect(evs.filter((e) => e.isFraud).length).toBeGreaterThan(0);
  });

  it('keeps balances consistent: pre-transaction balances are the ledger balances', () => {
    const evs = simulate({ seed: 11, start: START }, 100_000);
    // After each transaction we know every touched account's balance. Customers may receive
    // income between transactions (never lose money), merchants change only through
    // transactions, agents are refloated by the operator on a CASH_IN they could not cover.
    const after = new Map<string, number>();
    const problems: string[] = [];
    let chained = 0;
    for (const { transaction: tx } of evs) {
      const out = tx.type !== 'CASH_IN';
      if (out && tx.amount > tx.originBalanceBefore)
        problems.push(`${tx.txId}: ${tx.type} ${tx.amount} > balance ${tx.originBalanceBefore}`);
      if (tx.originBalanceBefore < 0 || tx.destBalanceBefore < 0) problems.push(`${tx.txId}: negative balance`);
      for (const [acct, before] of [
        [tx.originAccount, tx.originBalanceBefore],
        [tx.destAccount, tx.destBalanceBefore],
      ] as const) {
        const prev = after.get(acct);
        if (prev === undefined) continue;
        chained++;
        if (acct.startsWith('M') && before !== prev)
          problems.push(`${tx.txId}: merchant ${acct} before ${before} != ${prev}`);
        if (!acct.startsWith('M') && !(tx.type === 'CASH_IN' && acct === tx.destAccount) && before < prev)
          problems.push(`${tx.txId}: ${acct} lost money between transactions`);
      }
      const sign = out ? -1 : 1;
      after.set(tx.originAccount, tx.originBalanceBefore + sign * tx.amount);
      after.set(tx.destAccount, tx.destBalanceBefore - sign * tx.amount);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(chained).toBeGreaterThan(50_000);
  });

  it('labels every transaction by default with a delayed label after it, typology only on fraud', () => {
    const evs = simulate({ seed: 5, start: START }, 30_000);
    const problems: string[] = [];
    for (const e of evs) {
      const p = e.label;
      if (!p) {
        problems.push(`${e.transaction.txId}: no label`);
        continue;
      }
      const { dueAt, label } = p;
      if (
        label.txId !== e.transaction.txId ||
        label.isFraud !== e.isFraud ||
        label.source !== 'SIMULATION' ||
        label.labeledAt !== dueAt
      )
        problems.push(`${label.txId}: ${JSON.stringify(label)}`);
      if (dueAt < e.transaction.eventTime) problems.push(`${label.txId}: due before the transaction`);
      if (label.typology !== (e.isFraud ? 'takeover' : null))
        problems.push(`${label.txId}: typology ${label.typology}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(evs.some((e) => e.isFraud)).toBe(true);
  });

  it('switches typologies at runtime', () => {
    const sim = createSimulator({ seed: 9, start: START });
    for (let i = 0; i < 20_000; i++) sim.next();
    sim.setTypologyRates({ 'velocity-burst': 0.01 });
    const seen = new Set<string>();
    for (let i = 0; i < 40_000; i++) {
      const e = sim.next();
      if (e.typology && e.transaction.eventTime > sim.start + 3_600_000 * 3) seen.add(e.typology);
    }
    expect(seen.has('velocity-burst')).toBe(true);
    sim.setTypologyRates({});
    const after = sim.stats.fraud;
    for (let i = 0; i < 40_000; i++) sim.next();
    // Cases already running may finish; no new case starts (velocity bursts last < 30 minutes).
    expect(sim.stats.fraud - after).toBeLessThan(60);
  });
});
