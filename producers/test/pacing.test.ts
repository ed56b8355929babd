import { describe, expect, it } from 'vitest';
import { createSimClock, createTokenBucket, parseDuration, parseSpeed } from '../src/index.ts';

describe('rate control', () => {
  it('token bucket: bursts up to the bucket, then the rate', () => {
    let t = 0;
    const bucket = createTokenBucket(1_000, { burst: 100, now: () => t });
    let granted = 0;
    while (bucket.take(1) === 0) granted++;
    expect(granted).toBe(100);
    const wait = bucket.take(1);
    expect(wait).toBe(1);
    // Over 10 simulated seconds at most 10,000 more are granted.
    let more = 0;
    for (let step = 0; step < 10_000; step++) {
      t += 1;
      while (bucket.take(1) === 0) more++;
    }
    expect(more).toBeGreaterThanOrEqual(9_990);
    expect(more).toBeLessThanOrEqual(10_000);
  });

  it('simulated clock: x60 means one simulated minute per wall second; max never waits', () => {
    let wall = 0;
    const clock = createSimClock(60, () => wall);
    expect(clock.delayFor(1_000_000)).toBe(0);
    expect(clock.delayFor(1_000_000 + 60_000)).toBe(1_000);
    wall = 1_000;
    expect(clock.delayFor(1_000_000 + 60_000)).toBe(0);
    expect(createSimClock('max').delayFor(5e12)).toBe(0);
  });

  it('parses speeds and durations, refusing nonsense', () => {
    expect(parseSpeed('realtime')).toBe(1);
    expect(parseSpeed('x60')).toBe(60);
    expect(parseSpeed('max')).toBe('max');
    expect(() => parseSpeed('fast')).toThrow(/realtime, x60/);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(() => parseDuration('-1s')).toThrow(/not a duration/);
  });
});
