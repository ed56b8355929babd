import { FraudError, errorMessage } from '@fraud/common';
import { compileFeatureSpec, type CompiledFeatureSpec } from '../features/engine/compile.ts';
import type { LabelEvent } from '../features/engine/labels.ts';
import { FEATURE_NAMES, FEATURE_SET, RETIRED_FEATURE_SETS } from '../features/names.ts';
import { formatDuration } from '../features/spec/duration.ts';
import { loadFeatureSpec } from '../features/spec/load.ts';
import type { FeatureSpec } from '../features/spec/schema.ts';
import { parseFeatureSpec, specHash } from '../features/spec/validate.ts';
import type { FeatureOptions } from '../features/state.ts';

/**
 * How a model carries its feature spec: metadata.json (and a ModelUpdate's metadataJson) holds
 * the spec itself (featureSpec), its name@version (featureSpecId) and its content hash
 * (featureSpecHash), beside featureSet and featureNames. A build serves a model when it can
 * compute that spec; a model from before specs (no featureSpec) is fs-v2 when it names fs-v2 and
 * today's 34 features.
 */

/** The metadata fields a model carries for its spec; featureNames are the spec's output columns. */
export interface SpecMetadata {
  featureSet: string;
  featureNames: string[];
  featureSpec: FeatureSpec;
  featureSpecId: string;
  featureSpecHash: string;
}

/**
 * The featureSet label of a spec (scored records, ModelUpdate.featureSet, the retrainer's store):
 * the spec's name for version 1 (fs-v2, payments-v1: names carry their generation), name@version
 * after, so vectors of different specs never share a label.
 */
export function featureSetLabel(spec: FeatureSpec): string {
  return spec.version === 1 ? spec.name : `${spec.name}@${spec.version}`;
}

export function specMetadata(compiled: CompiledFeatureSpec): SpecMetadata {
  return {
    featureSet: featureSetLabel(compiled.spec),
    featureNames: [...compiled.names],
    featureSpec: compiled.spec,
    featureSpecId: compiled.featureSet,
    featureSpecHash: compiled.hash,
  };
}

/** A compiled spec by shipped name or file path (loadFeatureSpec), or an already compiled one. */
export function compiledSpec(spec: string | FeatureSpec | CompiledFeatureSpec): CompiledFeatureSpec {
  if (typeof spec === 'string') return compileFeatureSpec(loadFeatureSpec(spec));
  return 'names' in spec && 'computeFile' in spec ? spec : compileFeatureSpec(spec);
}

/** The spec fs-v2 models were trained on before models carried their spec. */
export function fsV2Spec(): CompiledFeatureSpec {
  return compiledSpec(FEATURE_SET);
}

interface ModelMeta {
  version?: string;
  featureSet?: unknown;
  featureNames?: unknown;
  featureSpec?: unknown;
  featureSpecHash?: unknown;
}

const incompatible = (message: string, cause?: unknown): FraudError =>
  new FraudError('MODEL_INCOMPATIBLE', message, cause === undefined ? {} : { cause });

/** A model from before specs: fs-v2 with today's feature list, or refused saying why. */
function legacySpec(meta: ModelMeta, name: string): CompiledFeatureSpec {
  const featureSet = typeof meta.featureSet === 'string' ? meta.featureSet : '(none)';
  if (featureSet !== FEATURE_SET) {
    const retired = RETIRED_FEATURE_SETS.includes(featureSet)
      ? ` (${featureSet} is retired: its destination features were per partition)`
      : '';
    throw incompatible(
      `${name} uses feature set ${featureSet} and carries no feature spec; this build computes specs and ` +
        `${FEATURE_SET}${retired}: retrain it with \`fraud model train\` or \`fraud models retrain\``,
    );
  }
  const names = Array.isArray(meta.featureNames) ? (meta.featureNames as unknown[]) : [...FEATURE_NAMES];
  if (names.length !== FEATURE_NAMES.length || names.some((n, i) => n !== FEATURE_NAMES[i])) {
    throw incompatible(
      `${name} lists ${names.length} features that differ from ${FEATURE_SET}'s ${FEATURE_NAMES.length}`,
    );
  }
  return fsV2Spec();
}

/**
 * The compiled spec of a model from its metadata: its featureSpec (valid, and hashing to its
 * featureSpecHash when that is recorded), or fs-v2 for a model from before specs. Throws
 * MODEL_INCOMPATIBLE saying why when this build cannot compute it.
 */
export function modelFeatureSpec(meta: ModelMeta): CompiledFeatureSpec {
  const name = meta.version ?? 'model';
  if (meta.featureSpec === undefined || meta.featureSpec === null) return legacySpec(meta, name);
  let spec: FeatureSpec;
  try {
    spec = parseFeatureSpec(meta.featureSpec);
  } catch (err: unknown) {
    throw incompatible(`${name}'s feature spec cannot be computed by this build: ${errorMessage(err)}`, err);
  }
  const label = featureSetLabel(spec);
  if (typeof meta.featureSet === 'string' && meta.featureSet !== label) {
    const retired = RETIRED_FEATURE_SETS.includes(meta.featureSet) ? ` (${meta.featureSet} is retired)` : '';
    throw incompatible(
      `${name} says feature set ${meta.featureSet}${retired} but carries spec ${spec.name}@${spec.version} ` +
        `(feature set ${label}): its metadata is inconsistent; retrain it`,
    );
  }
  const hash = specHash(spec);
  if (typeof meta.featureSpecHash === 'string' && meta.featureSpecHash !== hash) {
    throw incompatible(
      `${name}'s feature spec hashes to ${hash.slice(0, 12)} here, its metadata says ` +
        `${meta.featureSpecHash.slice(0, 12)}: this build computes it differently; retrain it`,
    );
  }
  const compiled = compileFeatureSpec(spec);
  const names = Array.isArray(meta.featureNames) ? (meta.featureNames as unknown[]) : null;
  if (names !== null && (names.length !== compiled.names.length || names.some((n, i) => n !== compiled.names[i]))) {
    throw incompatible(
      `${name} lists ${names.length} features that differ from its spec ${compiled.featureSet}'s ` +
        `${compiled.names.length}`,
    );
  }
  return compiled;
}

/** Why this build cannot compute a model's spec (modelFeatureSpec), or null. Call it before serving. */
export function modelSpecProblem(meta: ModelMeta): string | null {
  try {
    modelFeatureSpec(meta);
    return null;
  } catch (err: unknown) {
    return errorMessage(err);
  }
}

/**
 * The spec a training run computes: `spec` (default fs-v2) with the legacy feature options, when
 * given, written into its bounds, so the spec the model carries (and its hash) says what was
 * computed.
 */
export function trainingSpec(
  spec: string | FeatureSpec | CompiledFeatureSpec | undefined,
  options?: Partial<FeatureOptions>,
): CompiledFeatureSpec {
  const base = compiledSpec(spec ?? FEATURE_SET);
  const o = options ?? {};
  if (o.retentionMs === undefined && o.maxEventsPerAccount === undefined && o.maxPayees === undefined) return base;
  const bounds = { ...base.spec.bounds };
  if (o.retentionMs !== undefined) bounds.retention = formatDuration(o.retentionMs);
  if (o.maxEventsPerAccount !== undefined) bounds.maxEvents = o.maxEventsPerAccount;
  if (o.maxPayees !== undefined) bounds.maxDistinct = o.maxPayees;
  return compileFeatureSpec(parseFeatureSpec({ ...base.spec, bounds }));
}

/** A labelled row's label as the features see it: when it arrived (labeledAt), else eventTime + delay. */
export interface RowLabel {
  tx: { txId: string; eventTime: number };
  isFraud: boolean;
  labeledAt?: number | null;
}

/**
 * The labels a spec's label features may use, with their arrival times: each row's labeledAt, or
 * eventTime + labelDelayMs. A spec with label features and neither is refused: its label
 * features would be computed as if no label ever arrived, unlike online.
 */
export function labelEvents(
  compiled: CompiledFeatureSpec,
  rows: readonly RowLabel[],
  labelDelayMs: number | undefined,
): LabelEvent[] {
  if (!compiled.usesLabels) return [];
  const out: LabelEvent[] = [];
  let missing = 0;
  for (const r of rows) {
    const at = r.labeledAt ?? (labelDelayMs === undefined ? null : r.tx.eventTime + labelDelayMs);
    if (at === null) missing++;
    else out.push({ txId: r.tx.txId, isFraud: r.isFraud, labeledAt: at });
  }
  if (missing > 0 && out.length === 0) {
    throw new FraudError(
      'CONFIG_INVALID',
      `feature spec ${compiled.featureSet} has label features: give each row's labeledAt or a label delay ` +
        '(--label-delay) so they know when each label arrived',
    );
  }
  return out;
}
