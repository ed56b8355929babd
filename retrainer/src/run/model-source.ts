import { FraudError } from '@fraud/common';
import type { ModelUpdate } from '@fraud/schemas';
import type { Artifact } from '@fraud/model';

/** A model the retrainer can score with and (re)publish: from a ModelUpdate or an artifact. */
export interface ModelSource {
  version: string;
  featureSet: string;
  featureNames: string[];
  onnx: Uint8Array;
  modelJson: string;
  sha256: string;
  thresholds: { review: number; block: number };
  metadata: Record<string, unknown>;
}

export function sourceFromUpdate(u: ModelUpdate): ModelSource {
  if (u.onnx === null || u.modelJson === null) {
    throw new FraudError(
      'MODEL_INVALID',
      `model update ${u.version} carries no inline ONNX/model JSON; the retrainer needs both to evaluate it`,
    );
  }
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(u.metadataJson) as Record<string, unknown>;
  } catch (err: unknown) {
    throw new FraudError('MODEL_INVALID', `model update ${u.version}: metadataJson is not JSON`, { cause: err });
  }
  const names = metadata.featureNames;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new FraudError('MODEL_INVALID', `model update ${u.version}: metadata has no featureNames`);
  }
  return {
    version: u.version,
    featureSet: u.featureSet,
    featureNames: names as string[],
    onnx: new Uint8Array(u.onnx),
    modelJson: u.modelJson.toString('utf8'),
    sha256: u.sha256,
    thresholds: { review: u.reviewThreshold, block: u.blockThreshold },
    metadata,
  };
}

export function sourceFromArtifact(a: Artifact): ModelSource {
  const t = a.metadata.thresholds as { review?: unknown; block?: unknown } | undefined;
  if (typeof t?.review !== 'number' || typeof t.block !== 'number') {
    throw new FraudError(
      'MODEL_INVALID',
      `artifact ${a.metadata.version}: metadata.json has no thresholds {review, block}; retrain it with the toolkit`,
    );
  }
  return {
    version: a.metadata.version,
    featureSet: a.metadata.featureSet,
    featureNames: a.metadata.featureNames,
    onnx: a.onnx,
    modelJson: a.modelJson,
    sha256: a.metadata.sha256,
    thresholds: { review: t.review, block: t.block },
    metadata: a.metadata,
  };
}

export function updateFromSource(s: ModelSource, role: ModelUpdate['role'], createdAt = Date.now()): ModelUpdate {
  return {
    version: s.version,
    role,
    createdAt,
    onnx: Buffer.from(s.onnx),
    uri: null,
    sha256: s.sha256,
    featureSet: s.featureSet,
    reviewThreshold: s.thresholds.review,
    blockThreshold: s.thresholds.block,
    metadataJson: JSON.stringify(s.metadata),
    modelJson: Buffer.from(s.modelJson, 'utf8'),
  };
}
