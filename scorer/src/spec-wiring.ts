import { FraudError } from '@fraud/common';
import { withDeadline } from '@fraud/kafka';
import {
  entityCopiesOf,
  featureSetLabel,
  lookupsOf,
  fsV2Spec,
  modelFeatureSpec,
  type CompiledFeatureSpec,
  type FeatureViews,
  type SpecState,
} from '@fraud/model';
import type { Label, ModelUpdate, Transaction } from '@fraud/schemas';
import { awaitViewCaughtUp, startViewFeed, type DestViewFeed } from './dest-view.ts';
import type { FeatureModule } from './ports.ts';
import type { ResolvedSpec, SpecContext, SpecRuntime, SpecWiring } from './spec-catalog.ts';

/**
 * The FeatureModule of a compiled spec (model/'s engine, the same code training runs): per-partition
 * origin state, the instance's shared views (`views`) for every other entity and for labels.
 */
export function specModule(compiled: CompiledFeatureSpec, views: FeatureViews): FeatureModule<SpecState> {
  return {
    hash: compiled.hash,
    id: compiled.featureSet,
    featureSet: featureSetLabel(compiled.spec),
    featureNames: compiled.names,
    createState: (partition) => compiled.createState({ partition, views }),
    scratchState: () => compiled.createState(),
    snapshotState: (state) => state.snapshot(),
    restoreState: (snapshot) => compiled.restoreState(snapshot, views),
    compute: (payments, state, inputs) =>
      compiled.compute(payments, state, undefined, inputs as FeatureViews | undefined),
  };
}

/** The fs-v2 module with views of its own (unit tests and tools; the service feeds its views from Kafka). */
export function featureModule(): FeatureModule<SpecState> {
  const compiled = fsV2Spec();
  return specModule(compiled, compiled.createViews());
}

/** metadata.json of an update as an object ({} when it is not JSON: the feature set then decides). */
function metadataOf(update: ModelUpdate): Record<string, unknown> {
  try {
    const m = JSON.parse(update.metadataJson) as unknown;
    return typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
  } catch {
    // Not JSON: the update is judged on its featureSet alone (a model from before specs).
    return {};
  }
}

/**
 * The spec a model update names: its metadata's featureSpec (valid, hashing as recorded), or fs-v2
 * for a model from before specs; MODEL_INCOMPATIBLE saying why otherwise. No I/O.
 */
export function resolveModelSpec(update: ModelUpdate): ResolvedSpec {
  const meta = metadataOf(update);
  // The update's featureSet must be its spec's label (checked by modelFeatureSpec).
  const compiled = modelFeatureSpec({ ...meta, version: update.version, featureSet: update.featureSet });
  return { hash: compiled.hash, id: compiled.featureSet, spec: compiled };
}

/**
 * The real wiring: a model's spec compiled by model/'s engine, its entity views fed by a reader of
 * every partition of `transactions` (when it names entities other than the origin) and its label
 * view by a reader of `labels` (when it has label features), each caught up before the spec
 * serves, each with a bounded barrier a chunk waits on.
 */
export function createSpecWiring(ctx: SpecContext): SpecWiring {
  return {
    resolve: resolveModelSpec,
    start: (resolved) => startSpec(ctx, resolved.spec as CompiledFeatureSpec),
  };
}

async function startSpec(ctx: SpecContext, compiled: CompiledFeatureSpec): Promise<SpecRuntime> {
  const probe = compiled.createViews();
  const partitioned = ctx.entity !== undefined && probe.stores.length > 0;
  // Partitioned: the instance's views keep labels only; entity events live with their owners.
  const views = partitioned ? compiled.createViews({ keepEvents: false }) : probe;
  const feeds: DestViewFeed[] = [];
  const stop = async (): Promise<void> => {
    if (partitioned) ctx.entity?.owners.unregister(compiled.hash);
    await Promise.all(feeds.map((f) => f.stop()));
  };
  try {
    const started = performance.now();
    if (partitioned) {
      ctx.entity!.owners.register({
        hash: compiled.hash,
        id: compiled.featureSet,
        fields: entityFieldsOf(views),
        createViews: () => compiled.createViews(),
      });
    }
    const txFeed =
      compiled.entities.length > 0 && !partitioned ? await startTransactionFeed(ctx, compiled, views) : null;
    if (txFeed) feeds.push(txFeed);
    const labelFeed = compiled.usesLabels ? await startLabelFeed(ctx, compiled, views) : null;
    if (labelFeed) feeds.push(labelFeed);
    const { env } = ctx;
    if (txFeed) await awaitViewCaughtUp(txFeed, env.SCORER_RESTORE_TIMEOUT_MS, 'SCORER_RESTORE_TIMEOUT_MS');
    if (partitioned) {
      const what = `reading the history of ${compiled.featureSet}'s entity partitions owned here`;
      await withDeadline(ctx.entity!.owners.specReady(compiled.hash), env.SCORER_RESTORE_TIMEOUT_MS, what);
    }
    if (labelFeed) {
      const what = `reading the labels topic's recent history into ${compiled.featureSet}'s label view`;
      await awaitViewCaughtUp(
        labelFeed,
        env.SCORER_RESTORE_TIMEOUT_MS,
        'SCORER_RESTORE_TIMEOUT_MS',
        what,
        'SCORER_LABEL_VIEW_LOOKBACK_MS',
      );
    }
    const ms = Math.round(performance.now() - started);
    ctx.logger.info({ spec: compiled.featureSet, ...views.size(), ms }, 'feature spec views caught up');
    const features: FeatureModule<SpecState> = {
      ...specModule(compiled, views),
      awaitInputs: (eventTime, appendedBy) =>
        Promise.all([
          txFeed?.waitFor(eventTime, env.SCORER_DEST_VIEW_WAIT_MS, appendedBy),
          labelFeed?.waitFor(eventTime, env.SCORER_LABEL_VIEW_WAIT_MS, appendedBy),
        ]),
      viewLagMs: txFeed ? () => txFeed.lagMs() : undefined,
      ...(partitioned && partitionedInputs(ctx, compiled, views, labelFeed)),
    };
    const healthy = () => feeds.every((f) => f.healthy()) && (!partitioned || ctx.entity!.owners.healthy());
    return { features, healthy, stop };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
}

/** The distinct entity fields of a spec's view stores, sorted. */
function entityFieldsOf(views: FeatureViews): string[] {
  return [...new Set(views.stores.map((s) => s.plan.field))].sort();
}

/**
 * A spec's module parts with partitioned entity state: the copies each payment's owners need, and
 * per chunk a private view filled by lookups at the owners (the label barrier waited on beside).
 */
function partitionedInputs(
  ctx: SpecContext,
  compiled: CompiledFeatureSpec,
  views: FeatureViews,
  labelFeed: DestViewFeed | null,
): Pick<FeatureModule<SpecState>, 'entityCopies' | 'entityFields' | 'gatherInputs' | 'viewLagMs'> {
  const { gather, owners } = ctx.entity!;
  const { env, metrics } = ctx;
  return {
    entityCopies: (tx) => entityCopiesOf(views, tx),
    entityFields: entityFieldsOf(views),
    async gatherInputs(payments, at) {
      const chunk = compiled.chunkViews(views);
      const waitMs = at.waitMs ?? env.SCORER_DEST_VIEW_WAIT_MS;
      const t0 = performance.now();
      const [result] = await Promise.all([
        gather.gather(compiled.hash, chunk, lookupsOf(views, payments), { t: at.t, appendedBy: at.appendedBy, waitMs }),
        at.waitMs === 0 ? undefined : labelFeed?.waitFor(at.t, env.SCORER_LABEL_VIEW_WAIT_MS, at.appendedBy),
      ]);
      if (at.waitMs !== 0) metrics.entity.chunkWaitSeconds.observe((performance.now() - t0) / 1000);
      if (result.status === 'lagging') metrics.entity.laggingChunks.inc({ path: at.waitMs === 0 ? 'sync' : 'chunk' });
      return chunk;
    },
    viewLagMs: () => owners.lagMs(compiled.hash),
  };
}

/** Every partition of `transactions` into the spec's entity views (the global destination view of fs-v2). */
function startTransactionFeed(ctx: SpecContext, compiled: CompiledFeatureSpec, views: FeatureViews) {
  return startViewFeed<Transaction>({
    kafka: ctx.kafka,
    topic: ctx.topics.transactions,
    groupId: `${ctx.groupPrefix}-view-${compiled.hash.slice(0, 12)}`,
    sink: {
      add: (tx) => views.addTransaction(tx),
      size: () => {
        const s = views.size();
        return { destinations: s.keys, events: s.events };
      },
    },
    decode: (b) => ctx.codecs.transaction.decode(b),
    validate: ctx.validate,
    timeOf: (tx) => tx.eventTime,
    lookbackMs: Math.max(ctx.env.SCORER_DEST_VIEW_LOOKBACK_MS, compiled.bounds.retentionMs + 3_600_000),
    metrics: ctx.metrics,
    logger: ctx.logger,
    now: ctx.now,
  });
}

/**
 * Every partition of `labels` (read_committed, from the label lookback) into the spec's label view.
 * The barrier compares labeledAt with a chunk's newest eventTime: label features at decision time t
 * use the labels that arrived strictly before t, as offline (computeFile) does.
 */
function startLabelFeed(ctx: SpecContext, compiled: CompiledFeatureSpec, views: FeatureViews) {
  const codec = ctx.codecs.label;
  if (codec === undefined) {
    throw new FraudError(
      'MODEL_INCOMPATIBLE',
      `feature spec ${compiled.featureSet} has label features and this scorer has no Label codec`,
    );
  }
  return startViewFeed<Label>({
    kafka: ctx.kafka,
    topic: ctx.topics.labels,
    groupId: `${ctx.groupPrefix}-labels-${compiled.hash.slice(0, 12)}`,
    sink: {
      add: (l) => views.addLabel({ txId: l.txId, isFraud: l.isFraud, labeledAt: l.labeledAt }),
      size: () => ({ labels: views.size().labels }),
    },
    decode: (b) => codec.decode(b),
    validate: (l) => (Number.isFinite(l.labeledAt) && l.txId !== '' ? null : 'label without txId or labeledAt'),
    timeOf: (l) => l.labeledAt,
    lookbackMs: ctx.env.SCORER_LABEL_VIEW_LOOKBACK_MS,
    metrics: ctx.metrics.labelView,
    logger: ctx.logger,
    now: ctx.now,
  });
}
