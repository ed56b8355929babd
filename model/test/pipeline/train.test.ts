import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPaysimCsv, paysimEventTime } from '../../src/csv/index.ts';
import { DEFAULT_COSTS } from '../../src/eval/index.ts';
import { DEFAULT_FEATURE_OPTIONS, FEATURE_NAMES, FEATURE_SET } from '../../src/features/index.ts';
import { explicitSplit, trainPipeline } from '../../src/pipeline/index.ts';
import { readArtifact } from '../../src/serving/artifact.ts';
import { trainParams } from '../../src/xgboost/params.ts';
import { paysimFixture } from '@fraud/common/testing';
import { loadFeatureSpec, specHash } from '../../src/features/spec/index.ts';

const SAMPLE = paysimFixture('paysim-steps1-119-sample.csv');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('trainPipeline on real PaySim rows', () => {
  it(
    'trains on the past, picks thresholds on validation, tests on the future and writes a complete artifact',
    { timeout: 240_000 },
    async () => {
      const rows = await loadPaysimCsv(SAMPLE, { untilStep: 60 });
      const out = await mkdtemp(join(tmpdir(), 'model-pipeline-'));
      dirs.push(out);
      const stages = new Set<string>();
      const plan = explicitSplit({
        trainFrom: paysimEventTime(0),
        validFrom: paysimEventTime(38),
        testFrom: paysimEventTime(47),
        gapMs: 3 * 3_600_000,
      });
      const res = await trainPipeline({
        rows,
        params: trainParams({ rounds: 40, earlyStoppingRounds: 10, maxDepth: 4, eta: 0.3 }),
        costs: DEFAULT_COSTS,
        plan,
        negativeWeight: 21.4,
        maxReviewRate: 0.02,
        featureOptions: { maxPayees: 32 },
        outDir: out,
        version: 'test-v1',
        onProgress: (stage) => stages.add(stage),
      });
      expect([...stages].sort()).toEqual(['evaluate', 'export', 'features', 'thresholds', 'train']);
      // the split is by time with the gaps
      expect(Date.parse(res.windows.train.to)).toBeLessThan(paysimEventTime(35));
      expect(Date.parse(res.windows.valid.from)).toBeGreaterThanOrEqual(paysimEventTime(38));
      expect(Date.parse(res.windows.valid.to)).toBeLessThan(paysimEventTime(44));
      expect(Date.parse(res.windows.test?.from ?? '')).toBeGreaterThanOrEqual(paysimEventTime(47));
      expect(res.windows.train.frauds).toBeGreaterThan(100);
      // a useful model on the future: far better than the fraud rate
      expect(res.test?.auprc).toBeGreaterThan(0.5);
      expect(res.thresholds.review).toBeLessThanOrEqual(res.thresholds.block);
      expect(res.parityMaxAbsDiff).toBeLessThanOrEqual(1e-5);

      const art = await readArtifact(join(out, 'test-v1'));
      const meta = art.metadata as Record<string, unknown>;
      expect(meta.featureSet).toBe(FEATURE_SET);
      expect(meta.featureNames).toEqual([...FEATURE_NAMES]);
      // The model carries its spec: the spec itself, its name@version and its content hash.
      expect(meta.featureSpecId).toBe('fs-v2@1');
      // featureOptions go into the spec's bounds: maxPayees 32 is maxDistinct 32.
      const fsV2 = loadFeatureSpec('fs-v2');
      const trained = { ...fsV2, bounds: { ...fsV2.bounds, maxDistinct: 32 } };
      expect(meta.featureSpec).toEqual(trained);
      expect(meta.featureSpecHash).toBe(specHash(trained));
      for (const key of [
        'thresholds',
        'costs',
        'costCurve',
        'prCurve',
        'confusion',
        'featureImportance',
        'trainingWindow',
        'dataFingerprint',
        'metrics',
        'libraries',
        'featureOptions',
      ]) {
        expect(meta[key], key).toBeDefined();
      }
      // the resolved options only (fs-v2 has no partition count)
      expect(meta.featureOptions).toEqual({ ...DEFAULT_FEATURE_OPTIONS, maxPayees: 32 });
      expect((meta.dataFingerprint as { sha256: string }).sha256).toBe(res.fingerprint);
      expect(JSON.parse(await readFile(join(out, 'test-v1', 'model.json'), 'utf8'))).toHaveProperty('learner');
    },
  );
});
