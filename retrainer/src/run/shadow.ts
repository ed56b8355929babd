import type { Costs } from '@fraud/model';
import { decidePromotion } from '../domain/decide.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
import type { Store } from '../store/index.ts';
import { evaluateHoldout } from './holdout.ts';
import type { ModelSource } from './model-source.ts';
import type { ModelPublisher } from './publisher.ts';

export type ShadowVerdict =
  { state: 'waiting'; labels: number; positives: number } | { state: 'promoted' | 'retired'; reason: string };

/**
 * Judges a shadow on live labels: rows scored by both the champion (score) and the shadow
 * (shadow.score), each at its own review threshold, by the same promotion rule as a run.
 * Promotion republishes the shadow's model as CHAMPION and clears the shadow key.
 */
export async function judgeShadow(deps: {
  store: Store;
  publisher: ModelPublisher;
  costs: Costs;
  featureSet: string;
  policy: RetrainPolicy;
  champion: ModelSource | null;
  shadow: ModelSource;
}): Promise<ShadowVerdict> {
  const rows = await deps.store.training.loadLabelled({
    featureSet: deps.featureSet,
    shadowVersion: deps.shadow.version,
  });
  const keep = rows.txIds
    .map((_, i) => i)
    .filter(
      (i) => rows.shadowScore[i] !== null && (deps.champion === null || rows.modelVersion[i] === deps.champion.version),
    );
  const labels = Float32Array.from(keep, (i) => rows.labels[i] ?? 0);
  const positives = labels.reduce((a, b) => a + b, 0);
  if (keep.length < deps.policy.shadow.minLabels || positives < deps.policy.shadow.minPositives)
    return { state: 'waiting', labels: keep.length, positives };
  const common = {
    labels,
    amounts: Float64Array.from(keep, (i) => rows.amount[i] ?? 0),
    types: keep.map((i) => rows.txType[i] ?? 'TRANSFER'),
    typologies: keep.map((i) => rows.typology[i] ?? null),
    costs: deps.costs,
  };
  const sh = evaluateHoldout({
    ...common,
    scores: Float64Array.from(keep, (i) => rows.shadowScore[i] ?? 0),
    thresholds: deps.shadow.thresholds,
  });
  const ch = deps.champion
    ? evaluateHoldout({
        ...common,
        scores: Float64Array.from(keep, (i) => rows.score[i] ?? 0),
        thresholds: deps.champion.thresholds,
      })
    : null;
  const d = decidePromotion(deps.policy.promotion, sh.metrics, ch?.metrics ?? null);
  const reason = `live shadow comparison over ${keep.length} labels (${positives} frauds): ${d.reason}`;
  const run = await deps.store.registry.run(deps.shadow.version);
  if (d.promote) {
    await deps.publisher.publish(deps.shadow, 'CHAMPION', { action: 'promote', actor: 'retrainer-shadow', reason });
    await deps.publisher.retireShadow(deps.shadow.version, {
      actor: 'retrainer-shadow',
      reason: 'promoted to champion',
    });
  } else {
    await deps.publisher.retireShadow(deps.shadow.version, { actor: 'retrainer-shadow', reason });
  }
  if (run) {
    await deps.store.registry.saveRun({
      ...run,
      status: d.promote ? 'promoted' : 'rejected',
      promoted: d.promote,
      role: d.promote ? 'CHAMPION' : 'SHADOW',
      reason,
      details: { ...run.details, shadowLive: { shadow: sh.metrics, champion: ch?.metrics ?? null } },
    });
  }
  return { state: d.promote ? 'promoted' : 'retired', reason };
}
