import { errorMessage, FraudError, type Logger } from '@fraud/common';
import { retrainDue, type TriggerDecision, type TriggerInputs } from '../domain/triggers.ts';
import type { PolicyManager } from '../policy/manager.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
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

export interface SchedulerDeps {
  runDeps: RetrainDeps;
  manager: PolicyManager;
  monitor: Monitor;
  shadow: () => ModelSource | null;
  logger: Logger;
  tickMs?: number;
  now?: () => number;
  onRun?: (run: RunRecord) => void;
}

type Deps = SchedulerDeps & { now: () => number };

/** What the scheduler holds between ticks; `current` is the run in progress (at most one). */
interface SchedulerState {
  status: SchedulerStatus;
  timer: NodeJS.Timeout | undefined;
  ticking: Promise<void> | null;
  current: Promise<RunRecord> | null;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const d: Deps = { ...deps, now: deps.now ?? Date.now };
  const s: SchedulerState = {
    status: {
      running: null,
      lastDecision: null,
      psi: {},
      live: null,
      lastShadowVerdict: null,
      ticks: 0,
      lastError: null,
    },
    timer: undefined,
    ticking: null,
    current: null,
  };
  return {
    start() {
      if (s.timer) return;
      s.timer = setInterval(() => void guardedTick(d, s), d.tickMs ?? 2_000);
    },
    async stop() {
      if (s.timer) clearInterval(s.timer);
      s.timer = undefined;
      await s.ticking;
      await s.current?.catch(() => undefined);
    },
    tick: () => guardedTick(d, s),
    requestRun: (opts) => requestRun(d, s, opts),
    status: () => ({ ...s.status }),
  };
}

/** Starts a run; fails if one is in progress. The returned promise settles when the run ends. */
function startRun(d: Deps, s: SchedulerState, trigger: string, actor: string): Promise<RunRecord> {
  if (s.current)
    throw new FraudError(
      'BAD_REQUEST',
      `a retraining run is already in progress (${s.status.running ?? '?'}); wait for it to finish`,
    );
  const policy = d.manager.current();
  const p = runRetrain(
    {
      ...d.runDeps,
      onProgress: (pr) => {
        s.status.running = pr.runId;
        d.runDeps.onProgress?.(pr);
      },
    },
    policy,
    { trigger, actor },
  )
    .then((run) => {
      d.onRun?.(run);
      return run;
    })
    .finally(() => {
      s.current = null;
      s.status.running = null;
    });
  s.current = p;
  return p;
}

/** Whether a run is due now: labels since the last run, the time since it, and drift. */
async function dueNow(
  d: Deps,
  policy: RetrainPolicy,
  drift: () => Promise<Pick<TriggerInputs, 'psi' | 'live'>>,
): Promise<TriggerDecision> {
  const store = d.runDeps.store;
  const last = await store.registry.lastRun();
  const fresh = await store.training.newLabelsSince(last?.joinSeq ?? 0);
  const measured = await drift();
  return retrainDue(policy, {
    now: d.now(),
    lastRunAt: last?.startedAt ?? null,
    newLabels: fresh.labels,
    newFrauds: fresh.frauds,
    ...measured,
  });
}

/** Expires unknown labels; applies retention every 20th tick. */
async function tidyStore(d: Deps, s: SchedulerState, policy: RetrainPolicy): Promise<void> {
  const store = d.runDeps.store;
  await store.training.expirePending(policy.pendingLabelTtlMinutes * 60_000, d.now());
  if (s.status.ticks % 20 === 1) await store.training.applyRetention(policy.retentionHours * 3_600_000);
}

async function judgeLiveShadow(
  d: Deps,
  s: SchedulerState,
  policy: RetrainPolicy,
  champion: ModelSource | null,
): Promise<void> {
  const shadow = d.shadow();
  if (!shadow) return;
  s.status.lastShadowVerdict = await judgeShadow({
    store: d.runDeps.store,
    publisher: d.runDeps.publisher,
    costs: d.runDeps.costs,
    featureSet: d.runDeps.featureSet,
    policy,
    champion,
    shadow,
  });
}

async function tick(d: Deps, s: SchedulerState): Promise<void> {
  s.status.ticks++;
  const policy = d.manager.current();
  await tidyStore(d, s, policy);
  const champion = d.runDeps.champion();
  await judgeLiveShadow(d, s, policy, champion);
  if (s.current) return;
  const decision = await dueNow(d, policy, async () => {
    const measured = await d.monitor.measure(policy, champion);
    s.status.psi = measured.psi;
    s.status.live = measured.live;
    return measured;
  });
  s.status.lastDecision = decision;
  if (decision.due) {
    d.logger.info({ trigger: decision.trigger, why: decision.why }, 'retraining run triggered');
    startRun(d, s, decision.trigger, 'retrainer').catch((err: unknown) =>
      d.logger.error({ err: errorMessage(err) }, 'retraining run failed'),
    );
  }
}

/** One tick at a time: a tick requested while one runs joins it. A failed tick is logged and kept as lastError. */
function guardedTick(d: Deps, s: SchedulerState): Promise<void> {
  if (s.ticking) return s.ticking;
  s.ticking = tick(d, s)
    .then(() => {
      s.status.lastError = null;
    })
    .catch((err: unknown) => {
      s.status.lastError = errorMessage(err);
      d.logger.error({ err: s.status.lastError }, 'scheduler tick failed');
    })
    .finally(() => {
      s.ticking = null;
    });
  return s.ticking;
}

async function requestRun(d: Deps, s: SchedulerState, opts: { force: boolean; actor: string }): Promise<RunRecord> {
  let trigger = 'manual';
  if (!opts.force) {
    const policy = d.manager.current();
    const due = await dueNow(d, policy, async () => ({ psi: s.status.psi, live: s.status.live }));
    if (!due.due) throw new FraudError('BAD_REQUEST', `no retraining due: ${due.why}. Use --force to run anyway.`);
    trigger = due.trigger;
  }
  // A requested run waits for the one in progress (if any) instead of failing.
  while (s.current) await s.current.catch(() => undefined);
  return startRun(d, s, trigger, opts.actor);
}
