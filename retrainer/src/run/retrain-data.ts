import { randomUUID } from 'node:crypto';
import { errorMessage } from '@fraud/common';
import type { Matrix } from '@fraud/model';
import { take, timeWindows, type Split } from '../domain/windows.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
import type { LabelledRows } from '../store/index.ts';
import type { RunRecord } from '../store/registry-store.ts';
import type { ModelSource } from './model-source.ts';
import type { RetrainDeps, RunProgress } from './retrain-run.ts';
import { recomputedWindow, type RunFeatures } from './spec-window.ts';

/**
 * The first steps of a retraining run (runRetrain in retrain-run.ts): open the run record, load
 * the labelled window, refuse a window too small to learn from, split it by time.
 */

const HOUR = 3_600_000;

/** One run in progress: what every step reads, and the record the steps fill in. */
export interface RunContext {
  deps: RetrainDeps;
  policy: RetrainPolicy;
  run: RunRecord;
  actor: string;
  /** The champion in force when the run started, or null. */
  champion: ModelSource | null;
  now: () => number;
  progress: (p: Omit<RunProgress, 'runId'>) => void;
  /** The policy's feature spec as this run trains it (set by the run's first step, spec-window.ts). */
  features?: RunFeatures;
}

/** How a run ends: the status and reason its record keeps. */
export interface RunEnd {
  status: RunRecord['status'];
  reason: string;
}

export const isRunEnd = (x: object): x is RunEnd => 'status' in x && 'reason' in x;

/** The labelled window and its time-ordered parts. */
export interface TrainingWindow {
  rows: LabelledRows;
  split: Split;
  train: { matrix: Matrix; labels: Float32Array };
  valid: { matrix: Matrix; labels: Float32Array };
  test: { matrix: Matrix; labels: Float32Array };
  validPositives: number;
}

/** Adds to the run record's details; later keys come after earlier ones in the stored JSON. */
export function noteDetails(run: RunRecord, extra: Record<string, unknown>): void {
  run.details = { ...run.details, ...extra };
}

/** Creates the run record (status running) and saves it before any work. */
export async function openRun(
  deps: RetrainDeps,
  policy: RetrainPolicy,
  opts: { trigger: string; actor?: string },
): Promise<RunContext> {
  const now = deps.now ?? Date.now;
  const runId = randomUUID();
  const startedAt = now();
  const stamp = new Date(startedAt).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const version = `rt-${stamp}-${runId.slice(0, 6)}`;
  const progress = (p: Omit<RunProgress, 'runId'>): void => deps.onProgress?.({ runId, ...p });
  const seqBefore = (await deps.store.training.newLabelsSince(0)).maxSeq;
  const champion = deps.champion();
  const actor = opts.actor ?? 'retrainer';
  const run: RunRecord = {
    runId,
    version,
    startedAt,
    finishedAt: null,
    trigger: opts.trigger,
    status: 'running',
    promoted: false,
    role: null,
    reason: '',
    championVersion: champion?.version ?? null,
    joinSeq: seqBefore,
    trainRows: null,
    trainPositives: null,
    holdoutRows: null,
    holdoutPositives: null,
    windowFrom: null,
    windowTo: null,
    challengerMetrics: null,
    championMetrics: null,
    policy: policy as unknown as Record<string, unknown>,
    details: { actor },
  };
  await deps.store.registry.saveRun(run);
  return { deps, policy, run, actor, champion, now, progress };
}

/** Records the run's end (saved, reported as done, logged) and returns the record. */
export async function finishRun(ctx: RunContext, end: RunEnd): Promise<RunRecord> {
  const { run } = ctx;
  Object.assign(run, { status: end.status, reason: end.reason, finishedAt: ctx.now() });
  await ctx.deps.store.registry.saveRun(run);
  ctx.progress({ stage: 'done' });
  ctx.deps.logger.info(
    { runId: run.runId, version: run.version, status: end.status, reason: end.reason },
    'retraining run finished',
  );
  return run;
}

/**
 * The labelled rows of the training window: it ends maturityHours before the newest event. The
 * logged feature vectors, or the policy spec's features computed from the stored transactions.
 */
export async function loadWindow(ctx: RunContext): Promise<LabelledRows> {
  if (ctx.features?.recompute) return recomputedWindow(ctx, ctx.features.recompute);
  const { deps, policy, run } = ctx;
  const stats = await deps.store.training.stats();
  const to = (stats.maxEventTime ?? run.startedAt) - policy.maturityHours * HOUR;
  const rows = await deps.store.training.loadLabelled({
    featureSet: deps.featureSet,
    from: to - policy.trainingWindowHours * HOUR,
    to,
  });
  Object.assign(run, {
    windowFrom: rows.eventTime[0] ?? null,
    windowTo: rows.eventTime[rows.eventTime.length - 1] ?? null,
  });
  noteDetails(run, { eventTimeAtStart: stats.maxEventTime });
  return rows;
}

/** Why the window cannot be trained on (too few rows or frauds, wrong width), or null. */
export function refuseWindow(ctx: RunContext, rows: LabelledRows): RunEnd | null {
  const { deps, policy } = ctx;
  const positives = rows.labels.reduce((a, b) => a + b, 0);
  if (rows.txIds.length < policy.minTrainingRows || positives < policy.minTrainingPositives) {
    return {
      status: 'skipped',
      reason:
        `window holds ${rows.txIds.length} labelled rows with ${positives} frauds; ` +
        `need minTrainingRows=${policy.minTrainingRows} and minTrainingPositives=${policy.minTrainingPositives}`,
    };
  }
  if (rows.cols !== deps.featureNames.length) {
    return {
      status: 'failed',
      reason:
        `logged feature vectors have ${rows.cols} values ` +
        `but ${deps.featureSet} has ${deps.featureNames.length} features`,
    };
  }
  return null;
}

/** Train, validation and test parts by time, with label-delay gaps; both train and valid need a fraud. */
export function splitWindow(ctx: RunContext, rows: LabelledRows): TrainingWindow | RunEnd {
  const { policy, run } = ctx;
  let split: Split;
  try {
    split = timeWindows(rows.eventTime, {
      validationFraction: policy.validationFraction,
      testFraction: policy.testFraction,
      gapMs: policy.labelDelayGapHours * HOUR,
    });
  } catch (err: unknown) {
    return { status: 'skipped', reason: `cannot split the window by time: ${errorMessage(err)}` };
  }
  const train = take(rows, split.train);
  const valid = take(rows, split.valid);
  const test = take(rows, split.test);
  const count = (l: Float32Array): number => l.reduce((a, b) => a + b, 0);
  const trainPositives = count(train.labels);
  const validPositives = count(valid.labels);
  Object.assign(run, {
    trainRows: train.matrix.rows,
    trainPositives,
    holdoutRows: test.matrix.rows,
    holdoutPositives: count(test.labels),
  });
  const { plan } = split;
  noteDetails(run, {
    split: { train: plan.train, valid: plan.valid, test: plan.test, gapMs: plan.gapMs },
    validRows: valid.matrix.rows,
    validPositives,
  });
  if (trainPositives === 0 || validPositives === 0) {
    return {
      status: 'skipped',
      reason:
        `time split left ${trainPositives} frauds in train and ${validPositives} in validation; ` +
        'both need at least one (lower labelDelayGapHours or wait for labels)',
    };
  }
  return { rows, split, train, valid, test, validPositives };
}
