import type { RetrainPolicy } from '../policy/schema.ts';

/** What the trigger check sees; everything measured elsewhere, so this stays pure. */
export interface TriggerInputs {
  now: number;
  lastRunAt: number | null;
  newLabels: number;
  newFrauds: number;
  /** PSI per watched series ('score', feature names); empty when not measured. */
  psi: Record<string, number>;
  /** Live quality of the champion over recent labels; null when too few frauds to judge. */
  live: { recall: number; precision: number; positives: number } | null;
}

export interface TriggerDecision {
  due: boolean;
  trigger: string;
  why: string;
}

/**
 * Is a retraining run due? Any trigger (label count, interval, drift, live floor) fires, but
 * never within minIntervalMinutes of the last run, never without a new label, and never when
 * the policy is disabled.
 */
export function retrainDue(policy: RetrainPolicy, x: TriggerInputs): TriggerDecision {
  const no = (why: string): TriggerDecision => ({ due: false, trigger: 'none', why });
  if (!policy.enabled) return no('policy disabled');
  if (x.newLabels === 0) return no('no new labels since the last run');
  const minutesSince = x.lastRunAt === null ? Infinity : (x.now - x.lastRunAt) / 60_000;
  if (minutesSince < policy.minIntervalMinutes)
    return no(`last run ${minutesSince.toFixed(1)} min ago < minIntervalMinutes ${policy.minIntervalMinutes}`);
  if (x.newLabels >= policy.minNewLabels && x.newFrauds >= policy.minNewFraudLabels) {
    return {
      due: true,
      trigger: 'labels',
      why: `${x.newLabels} new labels (${x.newFrauds} frauds) >= minNewLabels ${policy.minNewLabels}`,
    };
  }
  if (minutesSince >= policy.maxIntervalMinutes) {
    return {
      due: true,
      trigger: 'interval',
      why:
        `${Number.isFinite(minutesSince) ? minutesSince.toFixed(0) : 'no'} min since the last run >= ` +
        `maxIntervalMinutes ${policy.maxIntervalMinutes}`,
    };
  }
  const d = policy.drift;
  if (d.psiThreshold !== null) {
    const worst = Object.entries(x.psi).sort((a, b) => b[1] - a[1])[0];
    if (worst && worst[1] > d.psiThreshold)
      return { due: true, trigger: 'drift', why: `PSI of ${worst[0]} ${worst[1].toFixed(3)} > ${d.psiThreshold}` };
  }
  if (x.live) {
    if (d.recallFloor !== null && x.live.recall < d.recallFloor) {
      return {
        due: true,
        trigger: 'recall-floor',
        why: `live recall ${x.live.recall.toFixed(3)} < floor ${d.recallFloor} over ${x.live.positives} frauds`,
      };
    }
    if (d.precisionFloor !== null && x.live.precision < d.precisionFloor) {
      return {
        due: true,
        trigger: 'precision-floor',
        why: `live precision ${x.live.precision.toFixed(3)} < floor ${d.precisionFloor}`,
      };
    }
  }
  return no(`${x.newLabels}/${policy.minNewLabels} new labels, no drift or floor breached`);
}
