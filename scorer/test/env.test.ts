import { describe, expect, it } from 'vitest';
import { parseScorerEnv } from '../src/env.ts';
import { validatorWithAhead } from '../src/runtime.ts';
import { tx } from './fakes.ts';

describe('scorer configuration', () => {
  it('has working defaults', () => {
    const env = parseScorerEnv({});
    expect(env.SCORER_GROUP_ID).toBe('fraud-scorer');
    expect(env.SCORER_METRICS_PORT).toBe(9470);
    expect(env.MODEL_BOOTSTRAP_DIR).toBeUndefined();
    expect(env.SCORER_GC_PRETENURING).toBe('off');
    expect(parseScorerEnv({ SCORER_GC_PRETENURING: 'on' }).SCORER_GC_PRETENURING).toBe('on');
  });

  it('fails at start-up naming the bad variable', () => {
    expect(() => parseScorerEnv({ SCORER_MAX_BATCH: '0' })).toThrow(/SCORER_MAX_BATCH/);
    expect(() => parseScorerEnv({ SCORER_METRICS_PORT: 'http' })).toThrow(/SCORER_METRICS_PORT/);
    expect(() => parseScorerEnv({ SCORER_GC_PRETENURING: 'yes' })).toThrow(/SCORER_GC_PRETENURING/);
    expect(() => parseScorerEnv({ SCORER_FETCH_MAX_WAIT_MS: '-1' })).toThrow(/SCORER_FETCH_MAX_WAIT_MS.*got "-1"/s);
  });

  it('SCORER_MAX_EVENT_AHEAD_MS moves only the future bound of the validator', () => {
    const now = Date.UTC(2025, 0, 1);
    const in3days = tx(0, { eventTime: now + 3 * 86_400_000 });
    expect(validatorWithAhead(86_400_000)(in3days, now)).toMatch(/future/);
    expect(validatorWithAhead(7 * 86_400_000)(in3days, now)).toBeNull();
    expect(validatorWithAhead(7 * 86_400_000)(tx(0, { eventTime: now + 8 * 86_400_000 }), now)).toMatch(/future/);
    expect(validatorWithAhead(7 * 86_400_000)(tx(0, { amount: -1, eventTime: now }), now)).toMatch(/negative/);
  });
});
