import { PAYSIM_MAX_TRANSFER } from '../calibration.ts';
import { MINUTE, major, type Typology } from './context.ts';

/**
 * PaySim's fraud: the fraudster takes over an account, TRANSFERs the whole balance to a mule
 * (in chunks of at most 10M, PaySim's cap), and the mule CASH_OUTs each chunk soon after.
 */
export const takeover: Typology = {
  name: 'takeover',
  txPerCase: 2.05,
  start(ctx, at) {
    const cap = major(PAYSIM_MAX_TRANSFER);
    const victim = ctx.takeVictim(at, major(100), Number.MAX_SAFE_INTEGER, at + 6 * 60 * MINUTE);
    if (victim === undefined) return false;
    const mule = ctx.newAccount(at);
    const chunks = Math.max(1, Math.ceil(ctx.world.balance[victim]! / cap));
    let t = at;
    for (let i = 0; i < chunks; i++) {
      ctx.schedule(t, (now) => {
        const amount = Math.min(ctx.world.balance[victim]!, cap);
        if (amount <= 0) return;
        ctx.emit('takeover', 'TRANSFER', victim, mule, amount, now);
        ctx.schedule(now + ctx.rng.uniform(1, 45) * MINUTE, (later) => {
          const cash = Math.min(ctx.world.balance[mule]!, amount);
          if (cash > 0) ctx.emit('takeover', 'CASH_OUT', mule, ctx.pickAgent(), cash, later);
        });
      });
      t += ctx.rng.uniform(0.2, 2) * MINUTE;
    }
    return true;
  },
};
