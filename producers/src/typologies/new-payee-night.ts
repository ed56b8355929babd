import { HOUR, MINUTE, major, type Typology } from './context.ts';

/** Night hours (UTC, the simulator's local time) when legitimate traffic is at its lowest. */
export const NIGHT_FROM_HOUR = 1;
export const NIGHT_TO_HOUR = 5;

/** One large TRANSFER (50-90% of the balance) to a never-seen payee between 01:00 and 05:00. */
export const newPayeeNight: Typology = {
  name: 'new-payee-night',
  txPerCase: 1,
  start(ctx, at) {
    const when = nightTimeAfter(at, ctx.rng.next());
    ctx.schedule(when, (now) => {
      const victim = ctx.takeVictim(now, major(20_000), Number.MAX_SAFE_INTEGER, now + MINUTE);
      if (victim === undefined) return;
      const amount = Math.round(ctx.world.balance[victim]! * ctx.rng.uniform(0.5, 0.9));
      ctx.emit('new-payee-night', 'TRANSFER', victim, ctx.newAccount(now), amount, now);
    });
    return true;
  },
};

/** A uniformly random instant of the night window at or after `t` (never before `t`). */
export function nightTimeAfter(t: number, r: number): number {
  const day = Math.floor(t / (24 * HOUR)) * 24 * HOUR;
  const start = day + NIGHT_FROM_HOUR * HOUR;
  const end = day + NIGHT_TO_HOUR * HOUR;
  if (t < start) return start + r * (end - start);
  if (t < end) return t + r * (end - t);
  return start + 24 * HOUR + r * (end - start);
}
