import { errorMessage, type Logger } from '@fraud/common';
import { partitionFor } from '@fraud/kafka';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import type { TaskTable } from '../eos/tasks.ts';
import type { ScorerMetrics } from '../metrics.ts';
import type { ModelManager } from '../model-manager.ts';
import type { ModelPair } from '../models.ts';
import type { CompiledPolicy } from '../policy.ts';
import type { TransactionValidator } from '../ports.ts';
import { computeSpecs, decidePayments, gatherSpecInputs, specsOf } from '../score-chunk.ts';
import { DECIDED_HEADER, type SyncTaskState } from './memory.ts';

/** What the decide endpoint answers: a decision, or why not as an HTTP status and code. */
export type SyncAnswer =
  /** viewLagMs: how far the destination view was behind the end of `transactions` (null: unknown or replayed). */
  | { status: 200; scored: ScoredTransaction; replayed: boolean; viewLagMs?: number | null }
  | { status: 400 | 409 | 421 | 503; code: string; message: string };

/** One record the synchronous path writes to `transactions` (acks=all) before it answers. */
export interface SyncWrite {
  partition: number;
  key: string;
  value: Buffer;
  headers: Record<string, Buffer>;
}

export interface SyncDeciderDeps {
  tasks: Pick<TaskTable, 'syncSlot' | 'invalidate'>;
  models: ModelManager;
  policy: () => CompiledPolicy;
  validate: TransactionValidator;
  explainTopK: number;
  now: () => number;
  /** Partitions of `transactions` (the owner of a payment is found by murmur2(originAccount) % this). */
  partitions: number;
  /** Rejects when not encodable (a 400). */
  encodeTransaction: (tx: Transaction) => Buffer;
  encodeScored: (s: ScoredTransaction) => Buffer;
  /** Writes the records durably (acks=all, idempotent), in order; rejects on failure. */
  write: (records: SyncWrite[]) => Promise<void>;
  metrics: ScorerMetrics;
  logger: Logger;
  /** Most payments decided in one group commit. */
  maxGroup?: number;
  /** A decision taken with the destination view further behind than this counts as stale (SCORER_DEST_VIEW_WAIT_MS). */
  viewStaleAfterMs?: number;
  /** Called after a write and before the answers (fault injection: SCORER_FAULT_CRASH_AFTER_DECIDE_WRITE). */
  afterWrite?: () => void;
}

export interface SyncDecider {
  decide(tx: Transaction): Promise<SyncAnswer>;
  close(): Promise<void>;
}

interface Pending {
  tx: Transaction;
  resolve: (a: SyncAnswer) => void;
}

/** A payment decided in a group, before its write: its Avro bytes and the memory of the task that decided it. */
interface Decided {
  pending: Pending;
  partition: number;
  value: Buffer;
  scored: ScoredTransaction;
  sync: SyncTaskState;
}

/**
 * The synchronous path of a partition owner (docs/scorer.md, "Decisions at the owner"): a payment
 * is scored at once with the partition task's state (features, models, policy, reasons, exactly
 * as the stream path), written to `transactions` with its decision in the DECIDED_HEADER (acks=all,
 * idempotent producer) and only then answered. Requests that arrive while a write is in flight
 * queue and go out together in the next one (group commit). The stream path reads the record
 * back, writes that decision to `scored` and does not count the payment twice in the state.
 */
export function createSyncDecider(deps: SyncDeciderDeps): SyncDecider {
  const queue: Pending[] = [];
  const inFlight = new Map<string, Promise<SyncAnswer>>();
  let draining: Promise<void> | null = null;
  const maxGroup = deps.maxGroup ?? 500;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const group = queue.splice(0, maxGroup);
      try {
        await decideGroup(group, deps);
      } catch (err: unknown) {
        deps.logger.error({ err: errorMessage(err) }, 'synchronous decision group failed');
        for (const p of group) p.resolve(unavailable(`the decision failed: ${errorMessage(err)}`));
      }
    }
    draining = null;
  };

  return {
    decide(tx) {
      const existing = inFlight.get(tx.txId);
      if (existing !== undefined) return existing.then((a) => (a.status === 200 ? { ...a, replayed: true } : a));
      const answer = new Promise<SyncAnswer>((resolve) => queue.push({ tx, resolve }));
      inFlight.set(tx.txId, answer);
      void answer.finally(() => inFlight.delete(tx.txId));
      draining ??= drain();
      return answer;
    },
    async close() {
      await draining;
    },
  };
}

/** The largest lag of the views the models' specs read (null when none is known). */
function viewLagOf(models: ModelPair): number | null {
  let lag: number | null = null;
  for (const f of specsOf(models)) {
    const l = f.viewLagMs?.() ?? null;
    if (l !== null) lag = Math.max(lag ?? 0, l);
  }
  return lag;
}

function unavailable(message: string): SyncAnswer {
  return { status: 503, code: 'NOT_READY', message };
}

/** One group commit: per partition, check the owner's task, compute, decide; one write; answer. */
async function decideGroup(group: Pending[], deps: SyncDeciderDeps): Promise<void> {
  const t0 = performance.now();
  const byPartition = new Map<number, Pending[]>();
  for (const p of group) {
    const partition = partitionFor(p.tx.originAccount, deps.partitions);
    const list = byPartition.get(partition);
    if (list === undefined) byPartition.set(partition, [p]);
    else list.push(p);
  }
  const lease = deps.models.acquire();
  const decided: Decided[] = [];
  let viewLagMs: number | null = null;
  try {
    viewLagMs = viewLagOf(lease.models);
    for (const [partition, items] of byPartition) {
      decided.push(...(await decidePartition(partition, items, lease.models, deps)));
    }
  } finally {
    lease.release();
  }
  if (decided.length === 0) return;
  const records: SyncWrite[] = decided.map(({ pending, partition, value, scored }) => ({
    partition,
    key: pending.tx.originAccount,
    value,
    headers: { [DECIDED_HEADER]: deps.encodeScored(scored) },
  }));
  try {
    await deps.write(records);
  } catch (err: unknown) {
    for (const d of decided) d.sync.unwritten.delete(d.scored.transaction.txId);
    // The states took these payments in and Kafka does not hold them: rebuild those tasks.
    const partitions = [...new Set(decided.map((d) => d.partition))];
    await Promise.all(partitions.map((p) => deps.tasks.invalidate(p, `decision write failed: ${errorMessage(err)}`)));
    for (const d of decided) d.pending.resolve(unavailable(`writing the decision failed: ${errorMessage(err)}`));
    deps.metrics.syncDecisions.inc({ outcome: 'write_failed' }, decided.length);
    return;
  }
  for (const d of decided) d.sync.unwritten.delete(d.scored.transaction.txId);
  deps.afterWrite?.();
  const seconds = (performance.now() - t0) / 1000;
  deps.metrics.syncGroupSize.observe(decided.length);
  if (viewLagMs !== null) {
    deps.metrics.syncViewLag.observe(viewLagMs / 1000);
    if (viewLagMs > (deps.viewStaleAfterMs ?? Infinity)) deps.metrics.syncStaleView.inc(decided.length);
  }
  deps.metrics.syncSeconds.observe(seconds);
  for (const d of decided) {
    // The memory of the task that decided it (a task dropped meanwhile takes its memory with it).
    d.sync.decided.set(d.scored.transaction.txId, d.scored);
    d.pending.resolve({ status: 200, scored: d.scored, replayed: false, viewLagMs });
  }
  deps.metrics.syncDecisions.inc({ outcome: 'decided' }, decided.length);
}

/**
 * The payments of one partition: answered at once when not ours, not ready, invalid or already
 * decided; the rest scored with the task's state (which takes them in) and returned for the write.
 */
async function decidePartition(
  partition: number,
  items: Pending[],
  models: ModelPair,
  deps: SyncDeciderDeps,
): Promise<Decided[]> {
  const slot = deps.tasks.syncSlot(partition);
  if (slot.kind !== 'ready') {
    const answer: SyncAnswer =
      slot.kind === 'not-owner'
        ? { status: 421, code: 'NOT_OWNER', message: `this scorer does not own partition ${partition}` }
        : unavailable(`partition ${partition}: ${slot.why}`);
    deps.metrics.syncDecisions.inc({ outcome: slot.kind }, items.length);
    for (const p of items) p.resolve(answer);
    return [];
  }
  const { opened, sync } = slot;
  if (specsOf(models).some((f) => !opened.state.has(f.hash))) {
    deps.metrics.syncDecisions.inc({ outcome: 'not-ready' }, items.length);
    for (const p of items) p.resolve(unavailable(`partition ${partition} is building the state of a new model's spec`));
    return [];
  }
  const now = deps.now();
  const fresh: Array<{ pending: Pending; value: Buffer }> = [];
  for (const p of items) {
    const screened = screen(p.tx, now, slot, deps);
    if (Buffer.isBuffer(screened)) fresh.push({ pending: p, value: screened });
    else p.resolve(screened);
  }
  if (fresh.length === 0) return [];
  const payments = fresh.map((f) => f.pending.tx);
  for (const tx of payments) {
    sync.pending.add(tx.txId);
    sync.unwritten.add(tx.txId);
    opened.recent?.add(tx.txId);
  }
  let scored: ScoredTransaction[];
  try {
    // Partitioned entity state: the owners' events as they hold them now (no barrier wait on this path;
    // how far behind they are is answered as viewLagMs).
    const t = Math.max(...payments.map((p) => p.eventTime));
    const inputs = await gatherSpecInputs(specsOf(models), payments, { t, appendedBy: deps.now(), waitMs: 0 });
    const computed = computeSpecs(payments, { state: opened.state, models, inputs });
    scored = await decidePayments(payments, computed, {
      models,
      policy: deps.policy(),
      explainTopK: deps.explainTopK,
      now: deps.now,
    });
  } catch (err: unknown) {
    // The state may hold some of these payments already: rebuild it from Kafka.
    await deps.tasks.invalidate(partition, `synchronous scoring failed: ${errorMessage(err)}`);
    throw err;
  }
  return fresh.map(({ pending, value }, i) => ({ pending, partition, value, scored: scored[i]!, sync }));
}

/** The payment's Avro bytes when it is to be decided; else its answer (invalid, or decided before). */
function screen(
  tx: Transaction,
  now: number,
  slot: Extract<ReturnType<TaskTable['syncSlot']>, { kind: 'ready' }>,
  deps: SyncDeciderDeps,
): SyncAnswer | Buffer {
  const invalid = deps.validate(tx, now);
  if (invalid !== null) {
    deps.metrics.syncDecisions.inc({ outcome: 'invalid' });
    return { status: 400, code: 'RECORD_INVALID', message: invalid };
  }
  let value: Buffer;
  try {
    value = deps.encodeTransaction(tx);
  } catch (err: unknown) {
    deps.metrics.syncDecisions.inc({ outcome: 'invalid' });
    return { status: 400, code: 'RECORD_INVALID', message: `not a Transaction record: ${errorMessage(err)}` };
  }
  const before = slot.sync.decided.get(tx.txId);
  if (before !== undefined) {
    deps.metrics.syncDecisions.inc({ outcome: 'replayed' });
    return { status: 200, scored: before, replayed: true };
  }
  if (slot.opened.recent?.has(tx.txId) === true) {
    deps.metrics.syncDecisions.inc({ outcome: 'decided_before' });
    return {
      status: 409,
      code: 'DECIDED_BEFORE',
      message: `txId ${tx.txId} was decided before and its decision is no longer kept: GET /v1/decisions/${tx.txId}`,
    };
  }
  return value;
}
