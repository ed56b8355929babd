/**
 * The simulator of `fraud start`, paced by its rate alone (`--speed max`), so it publishes the
 * tx/s it is given. A simulated-time speed beside the rate would cap it below the rate: the
 * default world's 8,500 transactions per simulated hour at x20 are 47 tx/s on average, about 90
 * at the busiest hours, whatever --rate says.
 *
 * Simulated time then runs `rate / (txPerHour / 3600)` times faster than the wall clock (x85 at
 * 200 tx/s). The stream starts that many days in the past, plus half again for the hourly cycle,
 * so its event times stay behind now (the scorer dead-letters future events) for a day of running.
 */
export const BEHIND_NOW_WALL_HOURS = 24;

/**
 * How many times faster than the wall clock simulated time runs at `rate` tx/s, at most on
 * average: txPerHour counts legitimate traffic only, fraud comes on top (about 19% more in the
 * default world, so x71 rather than x85 at 200 tx/s).
 */
export function simulatedSpeed(rate: number, txPerHour: number): number {
  return (rate * 3600) / txPerHour;
}

export function simulatorArgs(o: { rate: number; txPerHour: number; now: number; scenarioPath: string }): string[] {
  const behindMs = simulatedSpeed(o.rate, o.txPerHour) * BEHIND_NOW_WALL_HOURS * 3_600_000 * 1.5;
  const start = new Date(o.now - Math.ceil(behindMs / 86_400_000) * 86_400_000).toISOString();
  return ['simulate', '--rate', String(o.rate), '--speed', 'max', '--start', start, '--scenario', o.scenarioPath];
}
