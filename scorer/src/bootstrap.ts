import { FraudError } from '@fraud/common';
import type { Artifact } from '@fraud/model';
import type { ModelUpdate } from '@fraud/schemas';

/** Thresholds from an artifact's metadata.json: `thresholds: {review, block}` or flat fields. */
export function thresholdsOf(metadata: Record<string, unknown>, where: string): { review: number; block: number } {
  const t = metadata.thresholds as { review?: unknown; block?: unknown } | undefined;
  const review = t?.review ?? metadata.reviewThreshold;
  const block = t?.block ?? metadata.blockThreshold;
  if (typeof review !== 'number' || typeof block !== 'number') {
    throw new FraudError(
      'MODEL_INVALID',
      `${where} has no thresholds ({"thresholds": {"review": r, "block": b}}); retrain with \`fraud model train\``,
    );
  }
  return { review, block };
}

/**
 * A model artifact (model-artifacts/<version>/) as a CHAMPION ModelUpdate, so the bootstrap
 * model goes through exactly the checks a published update does.
 */
export function artifactToUpdate(artifact: Artifact, dir: string): ModelUpdate {
  const meta = artifact.metadata;
  const { review, block } = thresholdsOf(meta, `${dir}/metadata.json`);
  return {
    version: meta.version,
    role: 'CHAMPION',
    createdAt: Date.parse(meta.createdAt) || Date.now(),
    onnx: Buffer.from(artifact.onnx),
    uri: null,
    sha256: meta.sha256,
    featureSet: meta.featureSet,
    reviewThreshold: review,
    blockThreshold: block,
    metadataJson: JSON.stringify(meta),
    modelJson: Buffer.from(artifact.modelJson, 'utf8'),
  };
}
