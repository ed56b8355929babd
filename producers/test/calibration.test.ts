import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAYSIM_TYPES, TRANSACTION_TYPES, type TransactionType } from '@fraud/schemas';
import { DEFAULT_SCENARIO, paysimRows, simulate } from '../src/index.ts';
import { PAYSIM_DIR, quantile } from './helpers.ts';

/**
 * The simulator's marginals against real PaySim rows. The steps 1-119 sample holds every fraud
 * row of those steps plus 50,000 random legitimate rows: legitimate rows only are an unbiased
 * sample of legitimate traffic (fraud is 0.13% of the real data and would be over-weighted).
 */
describe('calibration against the real PaySim rows', { timeout: 180_000 }, () => {
  it('matches the type mix (within 3 points), per-type amount quartiles (within 2x); prints both', async () => {
    const real = new Map<TransactionType, number[]>(TRANSACTION_TYPES.map((t) => [t, []]));
    const realHour = new Array<number>(24).fill(0);
    let realN = 0;
    for await (const row of paysimRows(join(PAYSIM_DIR, 'paysim-steps1-119-sample.csv'))) {
      if (row.isFraud) continue;
      real.get(row.type)!.push(row.amount / 100);
      realHour[row.step % 24]!++;
      realN++;
    }
    const N = 300_000;
    // 2,000 tx per simulated hour: 300,000 transactions cover six whole days for the hourly cycle.
    const start = Date.UTC(2026, 0, 1);
    const evs = simulate({ seed: 'calibration', start, scenario: { ...DEFAULT_SCENARIO, txPerHour: 2_000 } }, N);
    const wholeDaysEnd = start + Math.floor((evs[N - 1]!.transaction.eventTime - start) / 86_400_000) * 86_400_000;
    const sim = new Map<TransactionType, number[]>(TRANSACTION_TYPES.map((t) => [t, []]));
    const simHour = new Array<number>(24).fill(0);
    let fraud = 0;
    const fraudTypes = new Set<string>();
    for (const e of evs) {
      sim.get(e.transaction.type)!.push(e.transaction.amount / 100);
      if (e.isFraud) {
        fraud++;
        fraudTypes.add(e.transaction.type);
      } else if (e.transaction.eventTime < wholeDaysEnd) simHour[new Date(e.transaction.eventTime).getUTCHours()]!++;
    }

    const rows: string[] = ['type       real%   sim%   | real q25 / q50 / q75                | sim q25 / q50 / q75'];
    const failures: string[] = [];
    // The simulator speaks PaySim: the card and bank types of Transaction v2 appear in neither.
    for (const t of TRANSACTION_TYPES.filter((x) => !(PAYSIM_TYPES as readonly string[]).includes(x))) {
      if (real.get(t)!.length + sim.get(t)!.length > 0) failures.push(`${t} appears in PaySim data`);
    }
    for (const t of PAYSIM_TYPES) {
      const r = real.get(t)!.sort((a, b) => a - b);
      const s = sim.get(t)!.sort((a, b) => a - b);
      const rp = (100 * r.length) / realN;
      const sp = (100 * s.length) / N;
      const rq = [0.25, 0.5, 0.75].map((p) => quantile(r, p));
      const sq = [0.25, 0.5, 0.75].map((p) => quantile(s, p));
      rows.push(
        `${t.padEnd(9)} ${rp.toFixed(2).padStart(6)} ${sp.toFixed(2).padStart(6)}   ` +
          `| ${rq.map((v) => v.toFixed(0).padStart(9)).join(' ')}          ` +
          `| ${sq.map((v) => v.toFixed(0).padStart(9)).join(' ')}`,
      );
      if (Math.abs(rp - sp) > 3) failures.push(`${t} share ${sp.toFixed(2)}% vs ${rp.toFixed(2)}%`);
      rq.forEach((v, i) => {
        const ratio = sq[i]! / v;
        if (!(ratio >= 0.5 && ratio <= 2))
          failures.push(`${t} q${[25, 50, 75][i]} ${sq[i]!.toFixed(0)} vs ${v.toFixed(0)}`);
      });
    }
    const share = (h: number[]) => h.map((v) => v / h.reduce((a, b) => a + b, 0));
    const rs = share(realHour);
    const ss = share(simHour);
    rows.push(
      `hourly share (real/sim %): ` +
        rs.map((v, i) => `${i}h ${(100 * v).toFixed(1)}/${(100 * ss[i]!).toFixed(1)}`).join(' '),
    );
    rows.push(
      `fraud: ${fraud} of ${N} = ${((100 * fraud) / N).toFixed(3)}% in ${[...fraudTypes].join(', ')} (PaySim 0.129%)`,
    );
    console.log(`\n${rows.join('\n')}\n`);

    expect(failures).toEqual([]);
    // The daily cycle follows the real one hour by hour (within 1.5 points of the day's traffic).
    expect(rs.map((v, i) => Math.abs(v - ss[i]!) < 0.015).every(Boolean)).toBe(true);
    expect(fraud / N).toBeGreaterThan(0.0008);
    expect(fraud / N).toBeLessThan(0.002);
    expect([...fraudTypes].sort()).toEqual(['CASH_OUT', 'TRANSFER']);
  });
});
