import { MINUTE, major, type Typology } from './context.ts';

/** Many small TRANSFERs (under 1,000) from one account to one or two payees within minutes. */
export const velocityBurst: Typology = {
  name: 'velocity-burst',
  txPerCase: 18,
  start(ctx, at) {
    const n = 8 + ctx.rng.int(21);
    const victim = ctx.takeVictim(at, major(30_000), Number.MAX_SAFE_INTEGER, at + 40 * MINUTE);
    if (victim === undefined) return false;
    const payees = [ctx.newAccount(at), ctx.newAccount(at)];
    let t = at;
    for (let i = 0; i < n; i++) {
      const amount = major(Math.round(ctx.rng.uniform(20, 990)));
      const dest = payees[ctx.rng.bool(0.7) ? 0 : 1]!;
      ctx.schedule(t, (now) => {
        if (ctx.world.balance[victim]! >= amount) ctx.emit('velocity-burst', 'TRANSFER', victim, dest, amount, now);
      });
      t += ctx.rng.uniform(5, 60) * 1_000;
    }
    return true;
  },
};
