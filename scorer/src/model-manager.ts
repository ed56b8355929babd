import type { Logger } from '@fraud/common';
import { errorMessage, isFraudError } from '@fraud/common';
import type { ModelUpdate } from '@fraud/schemas';
import type { ScorerMetrics } from './metrics.ts';
import type { ActiveModel, ModelPair } from './models.ts';

export interface Lease {
  models: ModelPair;
  release(): void;
}

export interface ModelManager {
  /** The models for one chunk; release() when the chunk is done (retired models are disposed then). */
  acquire(): Lease;
  /** Load, verify and smoke-test; swap in on success. A refused model leaves the current ones serving. */
  offer(update: ModelUpdate): Promise<boolean>;
  /** Install directly (bootstrap), no smoke test beyond what `load` did. */
  install(model: ActiveModel): void;
  /** Stops running the shadow (a tombstone on the shadow key); true when there was one. */
  retireShadow(): boolean;
  current(): ModelPair | null;
  close(): Promise<void>;
}

interface Slot {
  model: ActiveModel;
  users: number;
  retired: boolean;
}

export interface ModelManagerDeps {
  load: (update: ModelUpdate) => Promise<ActiveModel>;
  metrics: ScorerMetrics;
  logger: Logger;
  /** Called once a model is disposed: its spec's module is no longer used by it (spec-catalog.ts). */
  releaseSpec?: (features: ActiveModel['features']) => void;
}

/**
 * Champion and optional shadow behind reference counts: a chunk holds a lease on the pair it
 * started with, a swap replaces the slot for the next chunk, and the old ONNX session is
 * disposed once the last chunk using it releases it.
 */
export function createModelManager(deps: ModelManagerDeps): ModelManager {
  let champion: Slot | null = null;
  let shadow: Slot | null = null;

  const retire = (slot: Slot | null): void => {
    if (!slot) return;
    slot.retired = true;
    deps.metrics.modelInfo.remove({ version: slot.model.version, role: slot.model.role });
    if (slot.users === 0) void dispose(slot);
  };
  const dispose = async (slot: Slot): Promise<void> => {
    deps.releaseSpec?.(slot.model.features);
    await slot.model.serving
      .dispose()
      .catch((err: unknown) => deps.logger.warn({ err: errorMessage(err) }, 'model dispose failed'));
  };
  const install = (model: ActiveModel): void => {
    const slot: Slot = { model, users: 0, retired: false };
    if (model.role === 'SHADOW') {
      retire(shadow);
      shadow = slot;
    } else {
      retire(champion);
      champion = slot;
    }
    deps.metrics.modelInfo.set({ version: model.version, role: model.role }, 1);
    deps.logger.info(
      {
        version: model.version,
        role: model.role,
        sha256: model.sha256,
        thresholds: model.thresholds,
        spec: model.features.id,
      },
      'model serving',
    );
  };

  return {
    acquire() {
      if (!champion) throw new Error('no champion model loaded');
      const slots = shadow ? [champion, shadow] : [champion];
      for (const s of slots) s.users++;
      let released = false;
      return {
        models: { champion: champion.model, shadow: shadow?.model ?? null },
        release() {
          if (released) return;
          released = true;
          for (const s of slots) if (--s.users === 0 && s.retired) void dispose(s);
        },
      };
    },
    async offer(update) {
      const current = update.role === 'SHADOW' ? shadow : champion;
      if (current && current.model.version === update.version && current.model.sha256 === update.sha256.toLowerCase())
        return true;
      try {
        install(await deps.load(update));
        return true;
      } catch (err: unknown) {
        deps.metrics.modelRejected.inc();
        deps.logger.error(
          {
            version: update.version,
            role: update.role,
            code: isFraudError(err) ? err.code : 'INTERNAL',
            err: errorMessage(err),
            serving: current?.model.version ?? null,
          },
          'model update refused; the current model keeps serving',
        );
        return false;
      }
    },
    install,
    retireShadow() {
      if (!shadow) return false;
      deps.logger.info({ version: shadow.model.version }, 'shadow retired (tombstone on model-updates)');
      retire(shadow);
      shadow = null;
      return true;
    },
    current() {
      return champion ? { champion: champion.model, shadow: shadow?.model ?? null } : null;
    },
    async close() {
      retire(champion);
      retire(shadow);
      champion = null;
      shadow = null;
    },
  };
}
