import type { ModelUpdate } from '@fraud/schemas';
import type { RegistryStore, PublicationRecord } from '../store/registry-store.ts';
import { updateFromSource, type ModelSource } from './model-source.ts';

/**
 * Publishes models to the compacted model-updates topic (key = role in lower case: the latest
 * record per key is what every scorer serves) and records each publication.
 */
export interface ModelPublisher {
  publish(
    source: ModelSource,
    role: ModelUpdate['role'],
    why: { action: PublicationRecord['action']; actor: string; reason: string },
  ): Promise<ModelUpdate>;
  /** Tombstone for the shadow key: scorers stop running a shadow. */
  retireShadow(version: string, why: { actor: string; reason: string }): Promise<void>;
}

export interface UpdateSink {
  send(key: 'champion' | 'shadow', value: ModelUpdate | null): Promise<void>;
}

export function createModelPublisher(deps: {
  sink: UpdateSink;
  registry: RegistryStore;
  now?: () => number;
}): ModelPublisher {
  const now = deps.now ?? Date.now;
  return {
    async publish(source, role, why) {
      const update = updateFromSource(source, role, now());
      await deps.sink.send(role === 'CHAMPION' ? 'champion' : 'shadow', update);
      await deps.registry.savePublication({
        publishedAt: update.createdAt,
        version: source.version,
        role,
        action: why.action,
        actor: why.actor,
        reason: why.reason,
        sha256: source.sha256,
      });
      return update;
    },
    async retireShadow(version, why) {
      await deps.sink.send('shadow', null);
      await deps.registry.savePublication({
        publishedAt: now(),
        version,
        role: 'SHADOW',
        action: 'retire-shadow',
        actor: why.actor,
        reason: why.reason,
        sha256: null,
      });
    },
  };
}
