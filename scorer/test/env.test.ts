import { describe, expect, it } from 'vitest';
import { parseScorerEnv } from '../src/env.ts';

describe('scorer configuration', () => {
  it('has working defaults', () => {
    const env = parseScorerEnv({});
    expect(env.SCORER_GROUP_ID).toBe('fraud-scorer');
    expect(env.SCORER_METRICS_PORT).toBe(9470);
    expect(env.MODEL_BOOTSTRAP_DIR).toBeUndefined();
  });

  it('fails at start-up naming the bad variable', () => {
    expect(() => parseScorerEnv({ SCORER_MAX_BATCH: '0' })).toThrow(/SCORER_MAX_BATCH/);
    expect(() => parseScorerEnv({ SCORER_METRICS_PORT: 'http' })).toThrow(/SCORER_METRICS_PORT/);
    expect(() => parseScorerEnv({ SCORER_FETCH_MAX_WAIT_MS: '-1' })).toThrow(/SCORER_FETCH_MAX_WAIT_MS.*got "-1"/s);
  });
});
