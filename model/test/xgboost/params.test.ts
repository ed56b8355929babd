import { describe, expect, it } from 'vitest';
import { trainParams } from '../../src/xgboost/params.ts';

describe('trainParams', () => {
  it('fills what the caller leaves out with the neutral defaults', () => {
    expect(trainParams({ rounds: 8, maxDepth: 3, eta: 0.5 })).toEqual({
      rounds: 8,
      maxDepth: 3,
      eta: 0.5,
      earlyStoppingRounds: 0,
      subsample: 1,
      colsampleBytree: 1,
      minChildWeight: 1,
      lambda: 1,
      scalePosWeight: null,
      nthread: 1,
      seed: 1,
    });
  });

  it('keeps every value the caller chose, defaults included', () => {
    const p = trainParams({ rounds: 300, maxDepth: 6, eta: 0.1, subsample: 0.9, nthread: 2, seed: 7, lambda: 2 });
    expect(p).toMatchObject({ subsample: 0.9, nthread: 2, seed: 7, lambda: 2, colsampleBytree: 1 });
  });
});
