import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Transaction } from '@fraud/schemas';
import { seededRandom } from '@fraud/common/testing';
import { FEATURE_NAMES, FEATURE_SET } from '../../src/features/names.ts';
import { trainDirectArtifact } from '../../src/pipeline/direct-artifact.ts';
import { readArtifact } from '../../src/serving/artifact.ts';
import { parseXGBoostModel } from '../../src/xgboost/model-json.ts';
import { trainParams } from '../../src/xgboost/params.ts';

function history(n: number): Transaction[] {
  const r = seededRandom(3);
  return Array.from({ length: n }, (_, i) => {
    const balance = 1_000 + Math.floor(r() * 100_000);
    const fraud = r() < 0.1;
    return {
      txId: `t-${i}`,
      eventTime: Date.UTC(2026, 0, 1) + i * 1_000,
      type: fraud ? 'TRANSFER' : 'PAYMENT',
      amount: fraud ? balance : Math.floor(r() * 1_000),
      currency: 'USD',
      originAccount: `C${i % 50}`,
      originBalanceBefore: balance,
      destAccount: `M${i % 7}`,
      destBalanceBefore: 0,
      channel: null,
      attributes: {},
    };
  });
}

describe('trainDirectArtifact', () => {
  it('writes an artifact of the given version and thresholds, with the requested number of trees', async () => {
    const txs = history(400);
    const dir = join(await mkdtemp(join(tmpdir(), 'direct-artifact-')), 'v-direct');
    await trainDirectArtifact(dir, {
      txs,
      labels: Float32Array.from(txs, (t) => (t.type === 'TRANSFER' ? 1 : 0)),
      params: trainParams({ rounds: 3, maxDepth: 2, eta: 0.5 }),
      version: 'v-direct',
      thresholds: { review: 0.4, block: 0.9 },
    });
    const artifact = await readArtifact(dir);
    expect(artifact.metadata).toMatchObject({
      version: 'v-direct',
      featureSet: FEATURE_SET,
      featureNames: [...FEATURE_NAMES],
      thresholds: { review: 0.4, block: 0.9 },
    });
    expect(parseXGBoostModel(artifact.modelJson).trees).toHaveLength(3);
    expect(artifact.onnx.length).toBeGreaterThan(0);
  });
});
