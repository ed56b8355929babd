import { REPORTING_LIMIT } from '../calibration.ts';
import { MINUTE, major, type Typology } from './context.ts';

const ROUND = major(1_000);

/**
 * Takes a random 60-95% of the balance in one or two TRANSFERs of round amounts below the
 * reporting limit, so "amount equals balance" does not give the fraud away; the mule cashes
 * out within the hour.
 */
export const partialDrain: Typology = {
  name: 'partial-drain',
  txPerCase: 2.5,
  start(ctx, at) {
    const limit = major(REPORTING_LIMIT);
    const victim = ctx.takeVictim(at, major(30_000), Math.floor((2 * (limit - ROUND)) / 0.95), at + 30 * MINUTE);
    if (victim === undefined) return false;
    const balance = ctx.world.balance[victim]!;
    const target = balance * ctx.rng.uniform(0.6, 0.95);
    const steps = target > limit - ROUND || ctx.rng.bool(0.5) ? 2 : 1;
    const amounts = roundAmounts(target, steps, balance, limit);
    const mule = ctx.newAccount(at);
    let t = at;
    for (const amount of amounts) {
      ctx.schedule(t, (now) => {
        if (ctx.world.balance[victim]! >= amount) ctx.emit('partial-drain', 'TRANSFER', victim, mule, amount, now);
      });
      t += ctx.rng.uniform(1, 10) * MINUTE;
    }
    ctx.schedule(t + ctx.rng.uniform(5, 50) * MINUTE, (now) => {
      const cash = ctx.world.balance[mule]!;
      if (cash > 0) ctx.emit('partial-drain', 'CASH_OUT', mule, ctx.pickAgent(), cash, now);
    });
    return true;
  },
};

/** Round (multiples of 1,000) step amounts below the limit whose sum stays in 60-95% of balance. */
export function roundAmounts(target: number, steps: number, balance: number, limit: number): number[] {
  const each = Math.min(limit - ROUND, Math.max(ROUND, Math.round(target / steps / ROUND) * ROUND));
  const amounts = Array.from({ length: steps }, () => each);
  const sum = (): number => amounts.reduce((a, b) => a + b, 0);
  for (let i = 0; sum() < 0.6 * balance && i < 100; i++) amounts[i % steps]! += ROUND;
  for (let i = 0; sum() > 0.95 * balance && i < 100; i++) amounts[i % steps]! -= ROUND;
  return amounts;
}
