import { describe, expect, it } from 'vitest';
import { trainParams } from '../../src/xgboost/params.ts';

describe('trainParams', () => {
  it('fills what the caller leaves out with the neutral defaults', () => {
    const p = trainParams({ rounds: 8, maxDepth: 3, eta: 0.5 });
    expect([p.rounds, p.maxDepth, p.eta]).toEqual([8, 3, 0.5]);
    expect([p.earlyStoppingRounds, p.subsample, p.colsampleBytree, p.minChildWeight, p.lambda]).toEqual([
      0, 1, 1, 1, 1,
    ]);
    expect([p.scalePosWeight, p.nthread, p.seed]).toEqual([null, 1, 1]);
  });

  it('keeps every value the caller chose, defaults included', () => {
    const p = trainParams({ rounds: 300, maxDepth: 6, eta: 0.1, subsample: 0.9, nthread: 2, seed: 7, lambda: 2 });
    expect(p).toMatchObject({ subsample: 0.9, nthread: 2, seed: 7, lambda: 2, colsampleBytree: 1 });
  });
});
