/**
 * Model artifacts on disk: <dir>/{model.onnx, model.json, metadata.json}, e.g.
 * model-artifacts/<version>/. Each file is written to a temporary name and renamed, metadata
 * last, and metadata carries the ONNX sha256, so a reader never accepts a half-written model.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FraudError } from '@fraud/common';
import { xgboostVersion } from '../xgboost/library.ts';
import { onnxruntimeVersion } from './serving-model.ts';
import { sha256Hex, verifyChecksum } from './verify.ts';

export const ARTIFACT_FILES = { onnx: 'model.onnx', modelJson: 'model.json', metadata: 'metadata.json' } as const;

/** What the artifact writer fills in; the pipeline adds thresholds, metrics, window, costs. */
export interface ArtifactMetadata {
  version: string;
  featureSet: string;
  featureNames: string[];
  createdAt: string;
  sha256: string;
  libraries: { xgboost: string; onnxruntime: string };
  [key: string]: unknown;
}

export interface ArtifactMetadataInput {
  version: string;
  featureSet: string;
  featureNames: string[];
  createdAt?: string;
  [key: string]: unknown;
}

export interface Artifact {
  onnx: Uint8Array;
  modelJson: string;
  metadata: ArtifactMetadata;
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function writeArtifact(
  dir: string,
  input: { onnx: Uint8Array; modelJson: string; metadata: ArtifactMetadataInput },
): Promise<ArtifactMetadata> {
  const metadata: ArtifactMetadata = {
    ...input.metadata,
    createdAt: input.metadata.createdAt ?? new Date().toISOString(),
    sha256: sha256Hex(input.onnx),
    libraries: { xgboost: xgboostVersion(), onnxruntime: onnxruntimeVersion() },
  };
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, ARTIFACT_FILES.onnx), input.onnx);
  await writeAtomic(join(dir, ARTIFACT_FILES.modelJson), input.modelJson);
  await writeAtomic(join(dir, ARTIFACT_FILES.metadata), `${JSON.stringify(metadata, null, 2)}\n`);
  return metadata;
}

export function parseArtifactMetadata(text: string, where: string): ArtifactMetadata {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err: unknown) {
    throw new FraudError('MODEL_INVALID', `${where} is not valid JSON`, { cause: err });
  }
  const m = raw as Partial<ArtifactMetadata> | null;
  const ok =
    m !== null &&
    typeof m === 'object' &&
    typeof m.version === 'string' &&
    typeof m.featureSet === 'string' &&
    Array.isArray(m.featureNames) &&
    m.featureNames.every((n) => typeof n === 'string') &&
    typeof m.sha256 === 'string';
  if (!ok) throw new FraudError('MODEL_INVALID', `${where} lacks version, featureSet, featureNames or sha256`);
  return m as ArtifactMetadata;
}

export async function readArtifact(dir: string): Promise<Artifact> {
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, name));
    } catch (err: unknown) {
      throw new FraudError(
        'NOT_FOUND',
        `model artifact file ${join(dir, name)} is missing; train a model or point --model at an artifact directory`,
        { cause: err },
      );
    }
  };
  const metadata = parseArtifactMetadata(
    (await read(ARTIFACT_FILES.metadata)).toString('utf8'),
    join(dir, ARTIFACT_FILES.metadata),
  );
  const onnx = new Uint8Array(await read(ARTIFACT_FILES.onnx));
  verifyChecksum(onnx, metadata.sha256);
  const modelJson = (await read(ARTIFACT_FILES.modelJson)).toString('utf8');
  return { onnx, modelJson, metadata };
}
