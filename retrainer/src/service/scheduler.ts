import { errorMessage, FraudError, type Logger } from '@fraud/common';
import { retrainDue, type TriggerDecision } from '../domain/triggers.ts';
import type { PolicyManager } from '../policy/manager.ts';
import type { Monitor } from '../run/monitor.ts';
import type { ModelSource } from '../run/model-source.ts';
import { runRetrain, type RetrainDeps } from '../run/retrain-run.ts';
import { judgeShadow, type ShadowVerdict } from '../run/shadow.ts';
import type { RunRecord } from '../store/registry-store.ts';

/**
 * The retrainer's heartbeat: every tick it expires unknown labels, applies retention, judges
 * a live shadow, measures drift and live quality, and starts a run when the policy says so.
 * One run at a time; the policy is read fresh on every tick (edits apply without restart).
 */
export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
  tick(): Promise<void>;
  requestRun(opts: { force: boolean; actor: string }): Promise<RunRecord>;
  status(): SchedulerStatus;
}

export interface SchedulerStatus {
  running: RunRecord['runId'] | null;
  lastDecision: TriggerDecision | null;
  psi: Record<string, number>;
  live: { recall: number; precision: number; positives: number } | null;
  lastShadowVerdict: ShadowVerdict | null;
  ticks: number;
  lastError: string | null;
}

export function createScheduler(deps: {
  runDeps: RetrainDeps;
  manager: PolicyManager;
  monitor: Monitor;
  shadow: () => ModelSource | null;
  logger: Logger;
  tickMs?: number;
  now?: () => number;
  onRun?: (run: RunRecord) => void;
}): Scheduler {
  const now = deps.now ?? Date.now;
  const store = deps.runDeps.store;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | null = null;
  let current: Promise<RunRecord> | null = null;
  const state: SchedulerStatus = {
    running: null,
    lastDecision: null,
    psi: {},
    live: null,
    lastShadowVerdict: null,
    ticks: 0,
    lastError: null,
  };

  const startRun = (trigger: string, actor: string): Promise<RunRecord> => {
    if (current)
      throw new FraudError(
        'BAD_REQUEST',
        `a retraining run is already in progress (${state.running ?? '?'}); wait for it to finish`,
      );
    const policy = deps.manager.current();
    const p = runRetrain(
      {
        ...deps.runDeps,
        onProgress: (pr) => {
          state.running = pr.runId;
          deps.runDeps.onProgress?.(pr);
        },
      },
      policy,
      { trigger, actor },
    )
      .then((run) => {
        deps.onRun?.(run);
        return run;
      })
      .finally(() => {
        current = null;
        state.running = null;
      });
    current = p;
    return p;
  };

  const tick = async (): Promise<void> => {
    state.ticks++;
    const policy = deps.manager.current();
    await store.training.expirePending(policy.pendingLabelTtlMinutes * 60_000, now());
    if (state.ticks % 20 === 1) await store.training.applyRetention(policy.retentionHours * 3_600_000);
    const champion = deps.runDeps.champion();
    const shadow = deps.shadow();
    if (shadow) {
      state.lastShadowVerdict = await judgeShadow({
        store,
        publisher: deps.runDeps.publisher,
        costs: deps.runDeps.costs,
        featureSet: deps.runDeps.featureSet,
        policy,
        champion,
        shadow,
      });
    }
    if (current) return;
    const last = await store.registry.lastRun();
    const fresh = await store.training.newLabelsSince(last?.joinSeq ?? 0);
    const measured = await deps.monitor.measure(policy, champion);
    state.psi = measured.psi;
    state.live = measured.live;
    const decision = retrainDue(policy, {
      now: now(),
      lastRunAt: last?.startedAt ?? null,
      newLabels: fresh.labels,
      newFrauds: fresh.frauds,
      ...measured,
    });
    state.lastDecision = decision;
    if (decision.due) {
      deps.logger.info({ trigger: decision.trigger, why: decision.why }, 'retraining run triggered');
      startRun(decision.trigger, 'retrainer').catch((err: unknown) =>
        deps.logger.error({ err: errorMessage(err) }, 'retraining run failed'),
      );
    }
  };

  const guardedTick = (): Promise<void> => {
    if (ticking) return ticking;
    ticking = tick()
      .then(() => {
        state.lastError = null;
      })
      .catch((err: unknown) => {
        state.lastError = errorMessage(err);
        deps.logger.error({ err: state.lastError }, 'scheduler tick failed');
      })
      .finally(() => {
        ticking = null;
      });
    return ticking;
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void guardedTick(), deps.tickMs ?? 2_000);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await ticking;
      await current?.catch(() => undefined);
    },
    tick: guardedTick,
    async requestRun(opts) {
      let trigger = 'manual';
      if (!opts.force) {
        const policy = deps.manager.current();
        const last = await store.registry.lastRun();
        const fresh = await store.training.newLabelsSince(last?.joinSeq ?? 0);
        const d = retrainDue(policy, {
          now: now(),
          lastRunAt: last?.startedAt ?? null,
          newLabels: fresh.labels,
          newFrauds: fresh.frauds,
          psi: state.psi,
          live: state.live,
        });
        if (!d.due) throw new FraudError('BAD_REQUEST', `no retraining due: ${d.why}. Use --force to run anyway.`);
        trigger = d.trigger;
      }
      // A requested run waits for the one in progress (if any) instead of failing.
      while (current) await current.catch(() => undefined);
      return startRun(trigger, opts.actor);
    },
    status: () => ({ ...state }),
  };
}
