import { errorMessage, type Logger } from '@fraud/common';
import type { RawRecord } from '@fraud/kafka';
import type { Transaction } from '@fraud/schemas';
import { decodeChunk } from '../decode-chunk.ts';
import type { ScorerMetrics } from '../metrics.ts';
import type { ModelManager } from '../model-manager.ts';
import type { ModelPair } from '../models.ts';
import type { CompiledPolicy } from '../policy.ts';
import type { Codec, FeatureModule, TransactionValidator } from '../ports.ts';
import type { RecentIds } from '../recent-ids.ts';
import { scoreChunk, screenChunk, type ChunkResult } from '../score-chunk.ts';
import type { OpenedTask } from './port.ts';

export interface EvaluateDeps<S> {
  decode: Codec<Transaction>['decode'];
  validate: TransactionValidator;
  features: FeatureModule<S>;
  explainTopK: number;
  /** The injected wall clock. */
  now: () => number;
  /**
   * The destination view barrier: waits (bounded) until the view holds every partition's events
   * before `eventTime`; `appendedBy` is the chunk's newest Kafka timestamp.
   */
  awaitView?: (eventTime: number, appendedBy: number) => Promise<unknown>;
}

export interface EvaluateContext<S> {
  topic: string;
  partition: number;
  /** Mutated: afterwards it includes the chunk's scored payments. */
  state: S;
  recent?: RecentIds;
  models: ModelPair;
  policy: CompiledPolicy;
}

/**
 * A chunk's decisions and dead letters: decode (registry I/O), screen (pure), wait for the
 * destination view (I/O) when anything is left to score, score (pure but for the model call).
 */
export async function evaluateChunk<S>(
  records: readonly RawRecord[],
  ctx: EvaluateContext<S>,
  deps: EvaluateDeps<S>,
): Promise<ChunkResult> {
  const decoded = await decodeChunk(records, deps.decode);
  const screened = screenChunk(records, decoded, {
    topic: ctx.topic,
    partition: ctx.partition,
    recent: ctx.recent,
    validate: deps.validate,
    now: deps.now(),
  });
  if (screened.payments.length > 0 && deps.awaitView !== undefined)
    await deps.awaitView(screened.newestEventTime, screened.appendedBy);
  const scored = await scoreChunk(records, screened, {
    partition: ctx.partition,
    state: ctx.state,
    models: ctx.models,
    policy: ctx.policy,
    features: deps.features,
    explainTopK: deps.explainTopK,
    now: deps.now,
  });
  return { scored, dead: screened.dead };
}

export interface RunChunkDeps<S> extends EvaluateDeps<S> {
  topic: string;
  models: ModelManager;
  policy: () => CompiledPolicy;
  metrics: ScorerMetrics;
  logger: Logger;
}

export interface ChunkTask<S> {
  partition: number;
  opened: OpenedTask<S>;
}

/**
 * Scores one chunk and commits it in one Kafka transaction. The model lease is held for exactly
 * this chunk. On failure the error is counted, logged and rethrown: the caller drops the task.
 */
export async function runChunk<S>(
  task: ChunkTask<S>,
  records: readonly RawRecord[],
  highWatermark: string,
  deps: RunChunkDeps<S>,
): Promise<void> {
  const t0 = performance.now();
  const last = BigInt(records[records.length - 1]!.offset);
  const lease = deps.models.acquire();
  let result: ChunkResult;
  try {
    const { state, recent } = task.opened;
    const ctx = { topic: deps.topic, partition: task.partition, state, recent, models: lease.models };
    result = await evaluateChunk(records, { ...ctx, policy: deps.policy() }, deps);
    await task.opened.commit(result, last + 1n);
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
  const lag = BigInt(highWatermark) - last - 1n;
  deps.metrics.consumerLag.set({ partition: String(task.partition) }, Number(lag < 0n ? 0n : lag));
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
