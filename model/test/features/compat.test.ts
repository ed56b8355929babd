import { describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  FEATURE_SET,
  featureCompatibilityProblem,
  RETIRED_FEATURE_SETS,
} from '../../src/features/index.ts';

describe('featureCompatibilityProblem', () => {
  const meta = { version: 'v7', featureSet: FEATURE_SET, featureNames: [...FEATURE_NAMES] };

  it('accepts a model of this feature set whatever partition count it was trained with', () => {
    expect(FEATURE_SET).toBe('fs-v2');
    expect(featureCompatibilityProblem(meta)).toBeNull();
    // fs-v1 metadata carries featureOptions.numPartitions: the partition count is not part of the contract
    const withOptions = { ...meta, featureOptions: { numPartitions: 6, retentionMs: 90_000_000 } };
    expect(featureCompatibilityProblem(withOptions)).toBeNull();
  });

  it('refuses an fs-v1 model, naming the retired set and asking for a retrain', () => {
    expect(RETIRED_FEATURE_SETS).toContain('fs-v1');
    const problem = featureCompatibilityProblem({ ...meta, featureSet: 'fs-v1' });
    expect(problem).toMatch(/^v7 uses feature set fs-v1; this build computes fs-v2/);
    expect(problem).toMatch(/fs-v1 is retired/);
    expect(problem).toMatch(/retrain/);
  });

  it('refuses an unknown feature set without calling it retired', () => {
    const problem = featureCompatibilityProblem({ featureSet: 'fs-v9', featureNames: [...FEATURE_NAMES] });
    expect(problem).toMatch(/^model uses feature set fs-v9; this build computes fs-v2/);
    expect(problem).not.toMatch(/retired/);
    expect(problem).toMatch(/retrain/);
  });

  it('refuses feature names that differ: missing, extra, or reordered', () => {
    expect(featureCompatibilityProblem({ ...meta, featureNames: FEATURE_NAMES.slice(1) })).toMatch(
      /v7 lists 33 features that differ from fs-v2's 34/,
    );
    expect(featureCompatibilityProblem({ ...meta, featureNames: [...FEATURE_NAMES, 'extra'] })).toMatch(
      /lists 35 features that differ/,
    );
    const swapped: string[] = [...FEATURE_NAMES];
    swapped.splice(0, 2, FEATURE_NAMES[1], FEATURE_NAMES[0]);
    expect(featureCompatibilityProblem({ ...meta, featureNames: swapped })).toMatch(/lists 34 features that differ/);
  });
});
