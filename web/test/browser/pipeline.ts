import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@fraud/common';
import { uniqueName, seededRandom } from '@fraud/common/testing';
import {
  FEATURE_NAMES,
  FEATURE_SET,
  featuresForFile,
  readArtifact,
  trainXGBoost,
  writeArtifact,
  xgboostJsonToOnnx,
} from '@fraud/model';
import type { ModelUpdate, Transaction } from '@fraud/schemas';
import { artifactToUpdate, parseScorerEnv, runScorer, type ScorerService } from '@fraud/scorer';

/**
 * The real scorer for the browser tests: a tiny real XGBoost model (ONNX) trained here, and a
 * scorer instance on the test's topics. Transactions: a TRANSFER emptying the origin account
 * is the "fraud" pattern the model learns.
 */
const rng = seededRandom;

export function transaction(txId: string, fraud: boolean, r: () => number, eventTime = Date.now()): Transaction {
  const balance = 100_000 + Math.floor(r() * 900_000);
  const type = fraud ? 'TRANSFER' : (['CASH_IN', 'PAYMENT', 'DEBIT'] as const)[Math.floor(r() * 3)]!;
  return {
    txId,
    eventTime,
    type,
    amount: fraud ? balance : Math.floor(r() * 20_000),
    currency: 'USD',
    originAccount: `C${Math.floor(r() * 300)}`,
    originBalanceBefore: balance,
    destAccount: type === 'PAYMENT' ? `M${Math.floor(r() * 50)}` : `C${10_000 + Math.floor(r() * 300)}`,
    destBalanceBefore: Math.floor(r() * 100_000),
    channel: null,
    attributes: {},
  };
}

export async function trainTinyModel(version: string): Promise<ModelUpdate> {
  const r = rng(7);
  const start = Date.now() - 2 * 3_600_000;
  const txs = Array.from({ length: 3_000 }, (_, i) => transaction(`train-${i}`, r() < 0.05, r, start + i * 50));
  const matrix = featuresForFile(txs);
  const labels = new Float32Array(txs.map((t) => (t.type === 'TRANSFER' ? 1 : 0)));
  const trained = await trainXGBoost({
    train: matrix,
    trainLabels: labels,
    featureNames: FEATURE_NAMES,
    params: {
      rounds: 8,
      earlyStoppingRounds: 0,
      maxDepth: 3,
      eta: 0.5,
      subsample: 1,
      colsampleBytree: 1,
      minChildWeight: 1,
      lambda: 1,
      scalePosWeight: null,
      nthread: 1,
      seed: 7,
    },
  });
  const onnx = xgboostJsonToOnnx(trained.modelJson, { featureNames: FEATURE_NAMES });
  const dir = join(await mkdtemp(join(tmpdir(), 'web-test-model-')), version);
  await writeArtifact(dir, {
    onnx,
    modelJson: trained.modelJson,
    metadata: {
      version,
      featureSet: FEATURE_SET,
      featureNames: [...FEATURE_NAMES],
      thresholds: { review: 0.3, block: 0.8 },
    },
  });
  return artifactToUpdate(await readArtifact(dir), dir);
}

export async function startScorer(prefix: string): Promise<ScorerService> {
  const env = parseScorerEnv({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
    TOPIC_PREFIX: prefix,
    SCORER_GROUP_ID: `${prefix}${uniqueName('scorer')}`,
    SCORER_METRICS_PORT: '0',
    SCORER_METRICS_HOST: '127.0.0.1',
    SCORER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  });
  return runScorer(env, createLogger('web-test-scorer', 'warn'));
}

export { rng };
