import type { Transaction } from '@fraud/schemas';
import type { TrainParams } from '../api.ts';
import { featuresForFile } from '../features/compute.ts';
import { FEATURE_NAMES, FEATURE_SET } from '../features/names.ts';
import { xgboostJsonToOnnx } from '../onnx/convert.ts';
import { writeArtifact } from '../serving/artifact.ts';
import { trainXGBoost } from '../xgboost/train.ts';

export interface DirectArtifactInput {
  /** Labelled history, in event-time order: features are computed over it as one file. */
  txs: readonly Transaction[];
  /** 1 for fraud, 0 otherwise, one per transaction. */
  labels: Float32Array;
  params: TrainParams;
  version: string;
  thresholds: { review: number; block: number };
}

/**
 * A model trained on all of `txs` at once and written as an artifact in `dir`: no split, no
 * evaluation, thresholds given. For fixtures, benchmarks and drills that need a real model
 * quickly; production models come from trainPipeline.
 */
export async function trainDirectArtifact(dir: string, o: DirectArtifactInput): Promise<void> {
  const trained = await trainXGBoost({
    train: featuresForFile(o.txs),
    trainLabels: o.labels,
    featureNames: FEATURE_NAMES,
    params: o.params,
  });
  await writeArtifact(dir, {
    onnx: xgboostJsonToOnnx(trained.modelJson, { featureNames: FEATURE_NAMES }),
    modelJson: trained.modelJson,
    metadata: {
      version: o.version,
      featureSet: FEATURE_SET,
      featureNames: [...FEATURE_NAMES],
      thresholds: o.thresholds,
    },
  });
}
