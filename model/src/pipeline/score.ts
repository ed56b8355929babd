import { FraudError } from '@fraud/common';
import type { Decision, Reason, Transaction } from '@fraud/schemas';
import type { ServingModel, Thresholds } from '../api.ts';
import type { Costs } from '../eval/cost.ts';
import { DEFAULT_COSTS } from '../eval/cost.ts';
import type { CompiledFeatureSpec } from '../features/engine/compile.ts';
import type { LabelEvent } from '../features/engine/labels.ts';
import { resolveFeatureOptions, type FeatureOptions } from '../features/state.ts';
import { decide } from '../policy/decide.ts';
import { readArtifact, type ArtifactMetadata } from '../serving/artifact.ts';
import { createServingModel } from '../serving/serving-model.ts';
import { modelFeatureSpec, trainingSpec } from './model-spec.ts';

/** A model artifact ready for offline scoring: the serving model plus its policy and feature spec. */
export interface LoadedArtifact {
  metadata: ArtifactMetadata;
  model: ServingModel;
  /** The spec the model was trained on (its metadata's featureSpec; fs-v2 for a model from before specs). */
  spec: CompiledFeatureSpec;
  thresholds: Thresholds;
  costs: Costs;
  featureOptions: FeatureOptions;
}

export async function loadModelArtifact(dir: string): Promise<LoadedArtifact> {
  const art = await readArtifact(dir);
  const m = art.metadata;
  const featureOptions = resolveFeatureOptions(m.featureOptions as Partial<FeatureOptions> | undefined);
  // A model from before specs is fs-v2 with the feature options it was trained with.
  const spec =
    m.featureSpec === undefined || m.featureSpec === null
      ? (modelFeatureSpec(m), trainingSpec(undefined, featureOptions))
      : modelFeatureSpec(m);
  const t = m.thresholds as Partial<Thresholds> | undefined;
  if (typeof t?.review !== 'number' || typeof t.block !== 'number') {
    throw new FraudError('MODEL_INVALID', `${dir}/metadata.json has no thresholds {review, block}`);
  }
  const model = await createServingModel({
    version: m.version,
    featureSet: m.featureSet,
    featureNames: m.featureNames,
    onnx: art.onnx,
    modelJson: art.modelJson,
  });
  return {
    metadata: m,
    model,
    spec,
    thresholds: { review: t.review, block: t.block },
    costs: { ...DEFAULT_COSTS, ...(m.costs as Partial<Costs> | undefined) },
    featureOptions,
  };
}

export interface ScoredRows {
  /** In the input order. */
  scores: Float32Array;
  decisions: Decision[];
  /** Row-major features in the input order (as the scorer would have logged them). */
  features: Float32Array;
}

/**
 * Scores transactions in any order: features of the model's spec are computed in event-time
 * order (exactly as the stream would have produced them, label features from `labels` as they
 * arrived), results are returned in the input order.
 */
export async function scoreTransactions(
  art: LoadedArtifact,
  txs: readonly Transaction[],
  onProgress?: (done: number, total: number) => void,
  labels: readonly LabelEvent[] = [],
): Promise<ScoredRows> {
  const order = txs
    .map((_, i) => i)
    .sort((a, b) => (txs[a] as Transaction).eventTime - (txs[b] as Transaction).eventTime || a - b);
  const m = art.spec.computeFile(
    order.map((i) => txs[i] as Transaction),
    labels,
  );
  const cols = m.cols;
  const scoresSorted = new Float32Array(m.rows);
  const chunk = 20_000;
  for (let from = 0; from < m.rows; from += chunk) {
    const rows = Math.min(chunk, m.rows - from);
    scoresSorted.set(
      await art.model.predict({ data: m.data.subarray(from * cols, (from + rows) * cols), rows, cols }),
      from,
    );
    onProgress?.(from + rows, m.rows);
  }
  const scores = new Float32Array(txs.length);
  const features = new Float32Array(m.data.length);
  order.forEach((orig, k) => {
    scores[orig] = scoresSorted[k] ?? 0;
    features.set(m.data.subarray(k * cols, (k + 1) * cols), orig * cols);
  });
  return { scores, decisions: Array.from(scores, (s) => decide(s, art.thresholds)), features };
}

/** Top reasons for row i of a ScoredRows feature matrix. */
export function reasonsFor(art: LoadedArtifact, scored: ScoredRows, i: number, topK: number): Reason[] {
  const cols = art.spec.names.length;
  return art.model.explain(scored.features.subarray(i * cols, (i + 1) * cols), topK);
}
