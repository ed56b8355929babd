import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FraudError, errorMessage, isFraudError } from '@fraud/common';
import { NEVER } from '@fraud/model';
import type { ModelUpdate, Transaction } from '@fraud/schemas';
import type { ActiveModel } from './models.ts';
import type { FeatureModule, ServingModelFactory } from './ports.ts';

export interface ModelLoaderDeps {
  createServing: ServingModelFactory;
  /**
   * The feature module of the spec the update's metadata names, compiled and with its views
   * caught up (spec-catalog.ts); rejects with MODEL_INCOMPATIBLE when this build cannot compute it.
   */
  specFor: (update: ModelUpdate) => Promise<FeatureModule>;
  /** Gives back a module from specFor that no model will use (the load failed). */
  releaseSpec?: (features: FeatureModule) => void;
  fetchBytes?: (uri: string) => Promise<Buffer>;
}

/** Synthetic, plausible payments: the rows of every model's smoke prediction (any spec computes them). */
export const SMOKE_PAYMENTS: readonly Transaction[] = (['TRANSFER', 'CASH_OUT', 'PAYMENT'] as const).map((type, i) => ({
  txId: `smoke-${i}`,
  eventTime: Date.UTC(2024, 0, 1, 12, i),
  type,
  amount: 10_000 * (i + 1),
  currency: 'USD',
  originAccount: 'C-smoke',
  originBalanceBefore: 50_000,
  destAccount: i === 2 ? 'M-smoke' : 'C-smoke-dest',
  destBalanceBefore: 0,
  channel: null,
  attributes: {},
}));

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Turns a ModelUpdate into a serving model, or refuses it with a typed error:
 * MODEL_CHECKSUM (bytes do not match sha256), MODEL_INCOMPATIBLE (this build cannot compute the
 * model's feature spec, or its feature list differs from the spec's), MODEL_INVALID (no bytes, bad
 * thresholds, ONNX does not load, smoke prediction fails). Nothing about the current model
 * changes here; the spec's module (views caught up) is acquired before the swap and released if
 * the load fails.
 */
export async function loadModelUpdate(update: ModelUpdate, deps: ModelLoaderDeps): Promise<ActiveModel> {
  const where = `model ${update.version} (${update.role})`;
  const { reviewThreshold: review, blockThreshold: block } = update;
  // NEVER (just above 1) is the threshold policy's "never": a model whose cost-optimal choice is
  // never to block (few or hard frauds, as in the card world) is valid.
  if (!(review >= 0 && block <= NEVER && review <= block)) {
    throw new FraudError(
      'MODEL_INVALID',
      `${where} has thresholds review=${review} block=${block}; need 0 <= review <= block <= 1 (or ${NEVER}: never)`,
    );
  }
  const bytes = await modelBytes(update, deps.fetchBytes ?? fetchModelBytes);
  const actual = sha256Hex(bytes);
  if (actual !== update.sha256.toLowerCase()) {
    throw new FraudError(
      'MODEL_CHECKSUM',
      `${where}: sha256 of the ONNX bytes is ${actual}, the update says ${update.sha256}`,
    );
  }
  const features = await deps.specFor(update);
  try {
    return await loadWithSpec(update, deps, { where, bytes, sha256: actual, features });
  } catch (err: unknown) {
    deps.releaseSpec?.(features);
    throw err;
  }
}

async function loadWithSpec(
  update: ModelUpdate,
  deps: ModelLoaderDeps,
  o: { where: string; bytes: Buffer; sha256: string; features: FeatureModule },
): Promise<ActiveModel> {
  const { where, bytes, features } = o;
  const names = featureNamesOf(update.metadataJson);
  if (names && names.join(',') !== features.featureNames.join(',')) {
    throw new FraudError(
      'MODEL_INCOMPATIBLE',
      `${where} lists features [${names.join(', ')}], its spec ${features.id} computes ` +
        `[${features.featureNames.join(', ')}]`,
    );
  }
  let serving;
  try {
    serving = await deps.createServing({
      version: update.version,
      featureSet: update.featureSet,
      featureNames: features.featureNames,
      onnx: bytes,
      modelJson: update.modelJson ? update.modelJson.toString('utf8') : null,
    });
  } catch (err: unknown) {
    throw new FraudError('MODEL_INVALID', `${where} does not load: ${errorMessage(err)}`, { cause: err });
  }
  try {
    await smokeTest(serving, features);
  } catch (err: unknown) {
    await serving.dispose().catch(() => undefined);
    throw isFraudError(err)
      ? err
      : new FraudError('MODEL_INVALID', `${where} failed its smoke prediction: ${errorMessage(err)}`, { cause: err });
  }
  const thresholds = { review: update.reviewThreshold, block: update.blockThreshold };
  return { role: update.role, version: update.version, sha256: o.sha256, thresholds, serving, features };
}

async function smokeTest(serving: ActiveModel['serving'], features: FeatureModule): Promise<void> {
  const cols = features.featureNames.length;
  const smokeRows = features.compute(SMOKE_PAYMENTS, features.scratchState());
  const rows = SMOKE_PAYMENTS.length;
  const out = await serving.predict({ data: smokeRows, rows, cols });
  if (out.length !== rows)
    throw new FraudError('MODEL_INVALID', `smoke prediction returned ${out.length} scores for ${rows} rows`);
  for (const p of out)
    if (!(p >= 0 && p <= 1)) throw new FraudError('MODEL_INVALID', `smoke prediction returned ${p}, not a probability`);
  serving.explain(smokeRows.subarray(0, cols), 3);
}

function featureNamesOf(metadataJson: string): string[] | null {
  try {
    const meta = JSON.parse(metadataJson) as unknown;
    if (typeof meta !== 'object' || meta === null) return null;
    const names = (meta as Record<string, unknown>).featureNames;
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : null;
  } catch {
    // metadataJson is informational here; the feature set name is the binding check.
    return null;
  }
}

async function modelBytes(update: ModelUpdate, fetchBytes: (uri: string) => Promise<Buffer>): Promise<Buffer> {
  if (update.onnx && update.onnx.length > 0) return update.onnx;
  if (update.uri) {
    try {
      return await fetchBytes(update.uri);
    } catch (err: unknown) {
      throw new FraudError(
        'MODEL_INVALID',
        `model ${update.version}: cannot fetch ${update.uri}: ${errorMessage(err)}`,
        { cause: err, retriable: true },
      );
    }
  }
  throw new FraudError('MODEL_INVALID', `model ${update.version} has neither inline onnx bytes nor a uri`);
}

/** file:// and http(s):// only; the checksum, not the transport, is what makes it trusted. */
export async function fetchModelBytes(uri: string): Promise<Buffer> {
  const url = new URL(uri);
  if (url.protocol === 'file:') return readFile(fileURLToPath(url));
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new FraudError('MODEL_INVALID', `GET ${uri} answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
  throw new FraudError(
    'MODEL_INVALID',
    `unsupported model uri scheme ${url.protocol} (use file://, http:// or https://)`,
  );
}
