import { HOUR, MINUTE, major, type Typology } from './context.ts';

/**
 * Many victims TRANSFER to one account created moments before; once the last transfer lands,
 * the mule CASH_OUTs everything within minutes.
 */
export const muleFanIn: Typology = {
  name: 'mule-fan-in',
  txPerCase: 11,
  start(ctx, at) {
    const mule = ctx.newAccount(at);
    const window = ctx.rng.uniform(1, 6) * HOUR;
    const wanted = 5 + ctx.rng.int(11);
    const times = Array.from({ length: wanted }, () => at + ctx.rng.next() * window).sort((a, b) => a - b);
    let victims = 0;
    for (const t of times) {
      const victim = ctx.takeVictim(at, major(1_000), Number.MAX_SAFE_INTEGER, t + MINUTE);
      if (victim === undefined) continue;
      victims++;
      const share = ctx.rng.uniform(0.3, 0.9);
      ctx.schedule(t, (now) => {
        const amount = Math.round(ctx.world.balance[victim]! * share);
        if (amount > 0) ctx.emit('mule-fan-in', 'TRANSFER', victim, mule, amount, now);
      });
    }
    if (victims === 0) return false;
    ctx.schedule(times[times.length - 1]! + ctx.rng.uniform(2, 20) * MINUTE, (now) => {
      const cash = ctx.world.balance[mule]!;
      if (cash > 0) ctx.emit('mule-fan-in', 'CASH_OUT', mule, ctx.pickAgent(), cash, now);
    });
    return true;
  },
};
