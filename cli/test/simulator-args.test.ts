import { describe, expect, it } from 'vitest';
import { createSimulator, DEFAULT_SCENARIO } from '@fraud/producers';
import { BEHIND_NOW_WALL_HOURS, simulatedSpeed, simulatorArgs } from '../src/start/simulator-args.ts';

const H = 3_600_000;

describe("fraud start's simulator", () => {
  const now = Date.UTC(2026, 11, 3, 12);
  const args = simulatorArgs({ rate: 200, txPerHour: DEFAULT_SCENARIO.txPerHour, now, scenarioPath: 'world.yaml' });
  const flag = (name: string) => args[args.indexOf(name) + 1];

  it('is paced by its rate alone, so it publishes the tx/s `fraud start` states', () => {
    expect(flag('--rate')).toBe('200');
    expect(flag('--speed')).toBe('max');
    expect(flag('--scenario')).toBe('world.yaml');
  });

  it('starts far enough in the past that its event times stay behind now for a day', () => {
    const speed = simulatedSpeed(200, DEFAULT_SCENARIO.txPerHour);
    expect(speed).toBeCloseTo(84.7, 1);
    const start = Date.parse(flag('--start')!);
    expect(now - start).toBeGreaterThanOrEqual(speed * BEHIND_NOW_WALL_HOURS * H);
  });

  it('the simulated clock advances no faster than the speed assumes (txPerHour is the legitimate traffic)', () => {
    // A day's worth of the default world's transactions, so the hourly cycle averages out; fraud
    // and typology traffic come on top of txPerHour, so the span is at most a day (measured: 20.1 h).
    const sim = createSimulator({ seed: 7 });
    let first: number | undefined;
    let last = 0;
    let n = 0;
    for (const ev of sim) {
      first ??= ev.transaction.eventTime;
      last = ev.transaction.eventTime;
      if (++n >= DEFAULT_SCENARIO.txPerHour * 24) break;
    }
    const hours = (last - first!) / H;
    expect(hours).toBeLessThanOrEqual(24);
    expect(hours).toBeGreaterThan(24 * 0.75);
  });
});
