import { FraudError, errorMessage, isFraudError, type Logger } from '@fraud/common';
import type { Kafka } from '@fraud/kafka';
import type { ModelUpdate, Topics } from '@fraud/schemas';
import type { ScorerEnv } from './env.ts';
import type { ScorerMetrics } from './metrics.ts';
import type { FeatureModule, ScorerCodecs, TransactionValidator } from './ports.ts';
import type { EntityGather } from './entity/gather.ts';
import type { EntityOwners } from './entity/owner.ts';

/** The spec a model update names, identified before anything is started for it. */
export interface ResolvedSpec {
  /** Content hash: two models with the same hash share one running spec. */
  hash: string;
  /** name@version. */
  id: string;
  /** The parsed spec, as the wiring's start() understands it. */
  spec: unknown;
}

/** A spec running in this instance: its module (views fed, caught up) and the feeds behind it. */
export interface SpecRuntime {
  features: FeatureModule;
  /** False once a feed's consumer crashed for good. */
  healthy(): boolean;
  stop(): Promise<void>;
}

/** What starting a spec's views and feeds needs from the instance. */
export interface SpecContext {
  env: ScorerEnv;
  kafka: Kafka;
  topics: Topics;
  codecs: ScorerCodecs;
  validate: TransactionValidator;
  metrics: ScorerMetrics;
  logger: Logger;
  now: () => number;
  /** Prefix of the feeds' private consumer groups (unique per instance). */
  groupPrefix: string;
  /**
   * Partitioned entity state (SCORER_ENTITY_STATE=partitioned): this instance's entity owners and
   * its lookups at the others'; absent: every spec reads all of `transactions` into its own views.
   */
  entity?: { owners: EntityOwners; gather: EntityGather };
}

/** How a model's spec becomes a running FeatureModule (spec-wiring.ts wires model/'s engine and the view feeds). */
export interface SpecWiring {
  /** The model's spec (from its metadata), or MODEL_INCOMPATIBLE when this build cannot compute it. */
  resolve(update: ModelUpdate): ResolvedSpec;
  /** Compiles the spec, creates its views and starts their feeds; resolves once they caught up. */
  start(spec: ResolvedSpec): Promise<SpecRuntime>;
}

export interface SpecCatalog {
  /**
   * The running module of the spec an update names, started (views caught up) if no model uses it
   * yet; held until release(). Rejects with MODEL_INCOMPATIBLE when the spec cannot be computed.
   */
  acquire(update: ModelUpdate): Promise<FeatureModule>;
  /** A model no longer uses the module; the spec's feeds stop when no model does. */
  release(features: FeatureModule): void;
  /** Specs running now (for logs and tests). */
  running(): string[];
  healthy(): boolean;
  close(): Promise<void>;
}

interface Entry {
  users: number;
  runtime: Promise<SpecRuntime>;
}

/**
 * The feature specs this instance runs, one per content hash, reference-counted by the models
 * that use them (champion and shadow may differ). Starting a spec is the slow part of a swap to a
 * new spec (its views read their lookback), and it happens before the model is offered to the
 * chunks: the swap takes effect with the views caught up, or is refused.
 */
export function createSpecCatalog(deps: { wiring: SpecWiring; logger: Logger }): SpecCatalog {
  const entries = new Map<string, Entry>();
  const settled = new Map<string, SpecRuntime>();

  // Stops in flight: close() waits for them, so no feed outlives the service.
  const stopping = new Set<Promise<void>>();
  const stop = (hash: string, entry: Entry): void => {
    entries.delete(hash);
    settled.delete(hash);
    const done = entry.runtime
      .then((r) => r.stop())
      .catch((err: unknown) => deps.logger.warn({ err: errorMessage(err), hash }, 'feature spec stop failed'))
      .finally(() => stopping.delete(done));
    stopping.add(done);
  };

  return {
    async acquire(update) {
      let resolved: ResolvedSpec;
      try {
        resolved = deps.wiring.resolve(update);
      } catch (err: unknown) {
        if (isFraudError(err) && err.code === 'MODEL_INCOMPATIBLE') throw err;
        throw new FraudError(
          'MODEL_INCOMPATIBLE',
          `model ${update.version}: its feature spec cannot be computed by this build: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      let entry = entries.get(resolved.hash);
      if (entry === undefined) {
        deps.logger.info({ spec: resolved.id, hash: resolved.hash.slice(0, 12) }, 'starting feature spec');
        entry = { users: 0, runtime: deps.wiring.start(resolved) };
        entries.set(resolved.hash, entry);
        const started = entry;
        entry.runtime.then(
          (r) => settled.set(resolved.hash, r),
          () => {
            if (entries.get(resolved.hash) === started) entries.delete(resolved.hash);
          },
        );
      }
      entry.users++;
      try {
        return (await entry.runtime).features;
      } catch (err: unknown) {
        entry.users--;
        throw new FraudError(
          'MODEL_INCOMPATIBLE',
          `model ${update.version}: feature spec ${resolved.id} did not start: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    },
    release(features) {
      const entry = entries.get(features.hash);
      if (entry === undefined) return;
      if (--entry.users <= 0) {
        deps.logger.info({ spec: features.id }, 'feature spec stopped (no model uses it)');
        stop(features.hash, entry);
      }
    },
    running: () => [...settled.values()].map((r) => r.features.id),
    healthy: () => [...settled.values()].every((r) => r.healthy()),
    async close() {
      const all = [...entries.values()];
      entries.clear();
      settled.clear();
      await Promise.all([...all.map((e) => e.runtime.then((r) => r.stop()).catch(() => undefined)), ...stopping]);
    },
  };
}
