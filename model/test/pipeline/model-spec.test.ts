import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, FEATURE_SET } from '../../src/features/names.ts';
import { loadFeatureSpec, specHash } from '../../src/features/spec/index.ts';
import {
  featureSetLabel,
  labelEvents,
  modelFeatureSpec,
  modelSpecProblem,
  specMetadata,
  trainingSpec,
} from '../../src/pipeline/model-spec.ts';

const fsV2 = loadFeatureSpec('fs-v2');
const withLabels = {
  name: 'labelled',
  version: 2,
  entities: { card: 'originAccount', terminal: 'terminalId' },
  features: [
    { name: 'amount', op: 'field', field: 'amount' },
    { name: 'terminal_frauds_7d', op: 'fraudCount', entity: 'terminal', window: '7d' },
  ],
};

describe('models carry their feature spec', () => {
  it('metadata of a spec: featureSet label, output names, the spec, name@version and hash', () => {
    const meta = specMetadata(trainingSpec('fs-v2'));
    expect(meta).toMatchObject({ featureSet: FEATURE_SET, featureSpecId: 'fs-v2@1', featureSpecHash: specHash(fsV2) });
    expect(meta.featureNames).toEqual([...FEATURE_NAMES]);
    expect(featureSetLabel(modelFeatureSpec({ featureSpec: withLabels }).spec)).toBe('labelled@2');
  });

  it('a model from before specs is fs-v2 with its names; fs-v1 and other lists are refused', () => {
    expect(modelFeatureSpec({ featureSet: 'fs-v2', featureNames: [...FEATURE_NAMES] }).hash).toBe(specHash(fsV2));
    expect(modelSpecProblem({ version: 'old', featureSet: 'fs-v1', featureNames: [...FEATURE_NAMES] })).toMatch(
      /old uses feature set fs-v1 .*retired/,
    );
    expect(modelSpecProblem({ featureSet: 'fs-v2', featureNames: FEATURE_NAMES.slice(1) })).toMatch(/differ/);
  });

  it('a model with a spec: served when valid, its hash matches and its names are the spec outputs', () => {
    const good = specMetadata(modelFeatureSpec({ featureSpec: withLabels }));
    expect(modelSpecProblem(good)).toBeNull();
    expect(modelSpecProblem({ ...good, featureSpecHash: 'f'.repeat(64) })).toMatch(/hashes to/);
    expect(modelSpecProblem({ ...good, featureNames: ['amount'] })).toMatch(/lists 1 features/);
    expect(modelSpecProblem({ ...good, featureSet: 'fs-v1' })).toMatch(/says feature set fs-v1 \(fs-v1 is retired\)/);
    const bad = { ...withLabels, features: [{ name: 'x', op: 'teleport' }] };
    expect(modelSpecProblem({ version: 'v9', featureSpec: bad })).toMatch(/v9's feature spec cannot be computed/);
  });

  it('fs-v2 feature options go into the bounds, so the carried spec says what was computed', () => {
    const spec = trainingSpec(undefined, { retentionMs: 48 * 3_600_000, maxPayees: 16 });
    expect(spec.spec.bounds).toMatchObject({ retention: '2d', maxDistinct: 16 });
    expect(spec.hash).not.toBe(specHash(fsV2));
    expect(trainingSpec(undefined, {}).hash).toBe(specHash(fsV2));
  });

  it('label arrival: labeledAt, else eventTime + delay; a label spec without either is refused', () => {
    const compiled = modelFeatureSpec({ featureSpec: withLabels });
    const rows = [
      { tx: { txId: 'a', eventTime: 1_000 }, isFraud: true, labeledAt: 5_000 },
      { tx: { txId: 'b', eventTime: 2_000 }, isFraud: false },
    ];
    expect(labelEvents(compiled, rows, 100)).toEqual([
      { txId: 'a', isFraud: true, labeledAt: 5_000 },
      { txId: 'b', isFraud: false, labeledAt: 2_100 },
    ]);
    expect(() => labelEvents(compiled, [rows[1]!], undefined)).toThrow(/label features/);
    expect(labelEvents(trainingSpec('fs-v2'), rows, undefined)).toEqual([]);
  });
});
