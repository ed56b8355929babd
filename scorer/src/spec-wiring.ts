import { FraudError } from '@fraud/common';
import {
  FEATURE_NAMES,
  FEATURE_SET,
  computeFeatures,
  createDestinationView,
  createFeatureState,
  featureCompatibilityProblem,
  type DestinationView,
  type FeatureState,
} from '@fraud/model';
import type { ModelUpdate } from '@fraud/schemas';
import { awaitViewCaughtUp, startDestViewFeed } from './dest-view.ts';
import type { FeatureModule } from './ports.ts';
import type { ResolvedSpec, SpecContext, SpecRuntime, SpecWiring } from './spec-catalog.ts';

/** The hash key of the built-in fs-v2 module (models without a spec in their metadata). */
export const LEGACY_FS_V2 = `legacy:${FEATURE_SET}`;

/** The fs-v2 module: per-partition origin state, one destination view per instance. */
export function featureModule(view: DestinationView): FeatureModule<FeatureState> {
  return {
    hash: LEGACY_FS_V2,
    id: `${FEATURE_SET}@builtin`,
    featureSet: FEATURE_SET,
    featureNames: FEATURE_NAMES,
    createState: (partition) => createFeatureState({ partition, view }),
    scratchState: () => createFeatureState(),
    compute: (payments, state) => computeFeatures(payments, state),
  };
}

/** metadata.json of an update as an object ({} when it is not JSON: the feature set then decides). */
function metadataOf(update: ModelUpdate): Record<string, unknown> {
  try {
    const m = JSON.parse(update.metadataJson) as unknown;
    return typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
  } catch {
    // metadataJson is informational for models without a spec; featureSet is then binding.
    return {};
  }
}

/** The spec of a model without one in its metadata: fs-v2 with today's names, or refused. */
function resolveLegacy(update: ModelUpdate, meta: Record<string, unknown>): ResolvedSpec {
  const names = Array.isArray(meta.featureNames) ? (meta.featureNames as string[]) : [...FEATURE_NAMES];
  const problem = featureCompatibilityProblem({
    version: update.version,
    featureSet: update.featureSet,
    featureNames: names,
  });
  if (problem !== null) throw new FraudError('MODEL_INCOMPATIBLE', problem);
  return { hash: LEGACY_FS_V2, id: `${FEATURE_SET}@builtin`, spec: null };
}

/** The spec a model update names (its metadata's featureSpec, else fs-v2), or MODEL_INCOMPATIBLE. No I/O. */
export function resolveModelSpec(update: ModelUpdate): ResolvedSpec {
  const meta = metadataOf(update);
  return resolveLegacy(update, meta);
}

/**
 * The real wiring: a model's spec from its metadata (featureSpec), compiled by model/'s engine,
 * its entity views fed by a reader of every partition of `transactions` and, when it has label
 * features, its label view fed by a reader of `labels`. Models without a spec are fs-v2.
 */
export function createSpecWiring(ctx: SpecContext): SpecWiring {
  return {
    resolve: resolveModelSpec,
    async start(resolved) {
      if (resolved.hash === LEGACY_FS_V2) return startLegacy(ctx);
      throw new FraudError('MODEL_INCOMPATIBLE', `feature spec ${resolved.id} cannot be computed by this build`);
    },
  };
}

/** fs-v2 through the built-in module: the destination view fed from the lookback, caught up. */
async function startLegacy(ctx: SpecContext): Promise<SpecRuntime> {
  const { env } = ctx;
  const view = createDestinationView();
  const started = performance.now();
  const feed = await startDestViewFeed({
    kafka: ctx.kafka,
    topic: ctx.topics.transactions,
    groupId: `${ctx.groupPrefix}-destview-${FEATURE_SET}`,
    view,
    decode: (b) => ctx.codecs.transaction.decode(b),
    validate: ctx.validate,
    lookbackMs: env.SCORER_DEST_VIEW_LOOKBACK_MS,
    metrics: ctx.metrics,
    logger: ctx.logger,
    now: ctx.now,
  });
  try {
    await awaitViewCaughtUp(feed, env.SCORER_RESTORE_TIMEOUT_MS, 'SCORER_RESTORE_TIMEOUT_MS');
  } catch (err: unknown) {
    await feed.stop();
    throw err;
  }
  ctx.logger.info({ ...view.size(), ms: Math.round(performance.now() - started) }, 'destination view caught up');
  const features: FeatureModule<FeatureState> = {
    ...featureModule(view),
    awaitInputs: (eventTime, appendedBy) => feed.waitFor(eventTime, env.SCORER_DEST_VIEW_WAIT_MS, appendedBy),
  };
  return { features, healthy: () => feed.healthy(), stop: () => feed.stop() };
}
