import type { Transaction } from '@fraud/schemas';
import type { TrainParams } from '../api.ts';
import type { CompiledFeatureSpec } from '../features/engine/compile.ts';
import type { FeatureSpec } from '../features/spec/schema.ts';
import { xgboostJsonToOnnx } from '../onnx/convert.ts';
import { writeArtifact } from '../serving/artifact.ts';
import { trainXGBoost } from '../xgboost/train.ts';
import { labelEvents, specMetadata, trainingSpec } from './model-spec.ts';

export interface DirectArtifactInput {
  /** Labelled history, in event-time order: features are computed over it as one file. */
  txs: readonly Transaction[];
  /** 1 for fraud, 0 otherwise, one per transaction. */
  labels: Float32Array;
  params: TrainParams;
  version: string;
  thresholds: { review: number; block: number };
  /** The feature spec (name, path, spec or compiled); default fs-v2. */
  spec?: string | FeatureSpec | CompiledFeatureSpec;
  /** Label arrival per transaction (label features); default eventTime + labelDelayMs. */
  labeledAt?: readonly number[];
  labelDelayMs?: number;
}

/**
 * A model trained on all of `txs` at once and written as an artifact in `dir`: no split, no
 * evaluation, thresholds given. For fixtures, benchmarks and drills that need a real model
 * quickly; production models come from trainPipeline.
 */
export async function trainDirectArtifact(dir: string, o: DirectArtifactInput): Promise<void> {
  const spec = trainingSpec(o.spec);
  const meta = specMetadata(spec);
  const rows = o.txs.map((tx, i) => ({ tx, isFraud: (o.labels[i] ?? 0) > 0.5, labeledAt: o.labeledAt?.[i] ?? null }));
  const trained = await trainXGBoost({
    train: spec.computeFile(o.txs, labelEvents(spec, rows, o.labelDelayMs)),
    trainLabels: o.labels,
    featureNames: meta.featureNames,
    params: o.params,
  });
  await writeArtifact(dir, {
    onnx: xgboostJsonToOnnx(trained.modelJson, { featureNames: meta.featureNames }),
    modelJson: trained.modelJson,
    metadata: { version: o.version, ...meta, thresholds: o.thresholds },
  });
}
