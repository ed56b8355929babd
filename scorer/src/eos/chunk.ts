import { errorMessage, type Logger } from '@fraud/common';
import type { RawRecord } from '@fraud/kafka';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import { decodeChunk } from '../decode-chunk.ts';
import type { ScorerMetrics } from '../metrics.ts';
import type { ModelManager } from '../model-manager.ts';
import type { ModelPair } from '../models.ts';
import type { CompiledPolicy } from '../policy.ts';
import type { Codec, SpecStates, TransactionValidator } from '../ports.ts';
import type { RecentIds } from '../recent-ids.ts';
import { gatherSpecInputs, scoreChunk, screenChunk, specsOf, type ChunkResult } from '../score-chunk.ts';
import type { SyncTaskState } from '../sync/memory.ts';
import type { OpenedTask } from './port.ts';

export interface EvaluateDeps {
  decode: Codec<Transaction>['decode'];
  /** Reads the DECIDED_HEADER of payments the synchronous path decided; absent: headers ignored. */
  decodeDecided?: Codec<ScoredTransaction>['decode'];
  validate: TransactionValidator;
  explainTopK: number;
  /** The injected wall clock. */
  now: () => number;
}

export interface EvaluateContext {
  topic: string;
  partition: number;
  /** Mutated: afterwards it includes the chunk's scored payments (one state per spec of `models`). */
  state: SpecStates;
  recent?: RecentIds;
  /** txIds decided synchronously by this task, already in `state` (mutated: read back ones leave). */
  pending?: Set<string>;
  models: ModelPair;
  policy: CompiledPolicy;
}

/** Seconds a chunk spent in each stage of evaluateChunk (filled in when passed). */
export interface ChunkTimings {
  decode: number;
  viewWait: number;
  score: number;
}

/**
 * A chunk's decisions and dead letters: decode (registry I/O), screen (pure), wait for the views
 * of the models' specs (I/O) when anything is left to score, score (pure but for the model call).
 */
export async function evaluateChunk(
  records: readonly RawRecord[],
  ctx: EvaluateContext,
  deps: EvaluateDeps,
  timings?: ChunkTimings,
): Promise<ChunkResult> {
  const t0 = performance.now();
  const decoded = await decodeChunk(records, deps.decode, deps.decodeDecided);
  const t1 = performance.now();
  const screened = screenChunk(records, decoded, {
    topic: ctx.topic,
    partition: ctx.partition,
    recent: ctx.recent,
    pending: ctx.pending,
    validate: deps.validate,
    now: deps.now(),
  });
  const inputs =
    screened.payments.length > 0
      ? await gatherSpecInputs(specsOf(ctx.models), screened.payments, {
          t: screened.newestEventTime,
          appendedBy: screened.appendedBy,
        })
      : undefined;
  const t2 = performance.now();
  const scored = await scoreChunk(records, screened, {
    inputs,
    partition: ctx.partition,
    state: ctx.state,
    models: ctx.models,
    policy: ctx.policy,
    explainTopK: deps.explainTopK,
    now: deps.now,
  });
  if (timings) {
    timings.decode = (t1 - t0) / 1000;
    timings.viewWait = (t2 - t1) / 1000;
    timings.score = (performance.now() - t2) / 1000;
  }
  return { scored, dead: screened.dead };
}

export interface RunChunkDeps extends EvaluateDeps {
  topic: string;
  models: ModelManager;
  policy: () => CompiledPolicy;
  metrics: ScorerMetrics;
  logger: Logger;
}

export interface ChunkTask {
  partition: number;
  opened: OpenedTask;
  /** The task's synchronous-path memory: pending txIds, recent decisions (fed after each commit). */
  sync?: SyncTaskState;
}

/**
 * Scores one chunk and commits it in one Kafka transaction. The model lease is held for exactly
 * this chunk. On failure the error is counted, logged and rethrown: the caller drops the task.
 */
export async function runChunk(
  task: ChunkTask,
  records: readonly RawRecord[],
  highWatermark: string,
  deps: RunChunkDeps,
): Promise<void> {
  const t0 = performance.now();
  const startedAt = deps.now();
  const last = BigInt(records[records.length - 1]!.offset);
  const lease = deps.models.acquire();
  let result: ChunkResult;
  const timings: ChunkTimings = { decode: 0, viewWait: 0, score: 0 };
  let commitSeconds = 0;
  try {
    await ensureSpecStates(task.opened, lease.models, deps.logger);
    const { state, recent } = task.opened;
    const pending = task.sync?.pending;
    const ctx = { topic: deps.topic, partition: task.partition, state, recent, pending, models: lease.models };
    result = await evaluateChunk(records, { ...ctx, policy: deps.policy() }, deps, timings);
    deps.metrics.recordsDecoded.inc({ source: 'input' }, records.length);
    const c0 = performance.now();
    // A snapshot may hold synchronous decisions written to `transactions` and not read back yet
    // (named in it, so a restore does not count them again), never one still being written.
    await task.opened.commit(result, last + 1n, () => {
      const sync = task.sync;
      if (sync === undefined) return [];
      return sync.unwritten.size > 0 ? null : [...sync.pending];
    });
    commitSeconds = (performance.now() - c0) / 1000;
    if (task.sync) for (const s of result.scored) task.sync.decided.set(s.record.transaction.txId, s.record);
  } catch (err: unknown) {
    deps.metrics.aborted.inc({ reason: (err as { name?: string }).name ?? 'Error' });
    deps.logger.warn(
      {
        partition: task.partition,
        records: records.length,
        err: errorMessage(err),
        type: (err as { type?: string }).type,
      },
      'Kafka transaction aborted; the partition task is rebuilt and the chunk retried',
    );
    throw err;
  } finally {
    lease.release();
  }
  recordChunkMetrics(deps.metrics, result, records.length, (performance.now() - t0) / 1000, deps.now());
  recordStages(deps.metrics, records, startedAt, { ...timings, commit: commitSeconds });
  const lag = BigInt(highWatermark) - last - 1n;
  deps.metrics.consumerLag.set({ partition: String(task.partition) }, Number(lag < 0n ? 0n : lag));
}

/**
 * Builds the partition's state of every spec the chunk's models use and the task lacks (a model
 * with a new spec was swapped in since the task opened): from scored[p], as on assignment. The
 * task owns p and its last chunk is committed, so scored[p] holds exactly the payments before
 * this chunk. A failure fails the chunk: the task is rebuilt and the chunk retried.
 */
async function ensureSpecStates(opened: OpenedTask, models: ModelPair, logger: Logger): Promise<void> {
  for (const spec of specsOf(models)) {
    if (opened.state.has(spec.hash)) continue;
    const t0 = performance.now();
    const records = await opened.addSpec(spec);
    logger.info(
      { spec: spec.id, records, ms: Math.round(performance.now() - t0) },
      'feature state built for a new spec',
    );
  }
}

/** Each record's time per stage, summed (fraud_scorer_stage_record_seconds_total). */
function recordStages(
  m: ScorerMetrics,
  records: readonly RawRecord[],
  startedAt: number,
  t: ChunkTimings & { commit: number },
): void {
  let fetch = 0;
  for (const r of records) fetch += Math.max(0, startedAt - Number(r.timestamp));
  const n = records.length;
  m.stageSeconds.inc({ stage: 'fetch' }, fetch / 1000);
  m.stageSeconds.inc({ stage: 'decode' }, t.decode * n);
  m.stageSeconds.inc({ stage: 'view_wait' }, t.viewWait * n);
  m.stageSeconds.inc({ stage: 'score' }, t.score * n);
  m.stageSeconds.inc({ stage: 'commit' }, t.commit * n);
}

/** Counters move only after the commit: they count what is in Kafka. */
function recordChunkMetrics(m: ScorerMetrics, r: ChunkResult, consumed: number, seconds: number, at: number): void {
  m.consumed.inc(consumed);
  m.scored.inc(r.scored.length);
  m.chunkSize.observe(consumed);
  m.chunkSeconds.observe(seconds);
  m.paymentSeconds.observe(seconds / consumed);
  const dead = new Map<string, number>();
  for (const d of r.dead) dead.set(d.code, (dead.get(d.code) ?? 0) + 1);
  for (const [reason, n] of dead) m.deadLettered.inc({ reason }, n);
  const decisions = new Map<string, number>();
  for (const s of r.scored) {
    const k = `${s.record.decision}|${s.record.transaction.type}`;
    decisions.set(k, (decisions.get(k) ?? 0) + 1);
    m.endToEndSeconds.observe(Math.max(0, at - s.record.source!.publishedAt) / 1000);
  }
  for (const [k, n] of decisions) {
    const [decision, type] = k.split('|') as [string, string];
    m.decisions.inc({ decision, type }, n);
  }
}
