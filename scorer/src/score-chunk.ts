import type { DeadLetter, RawRecord } from '@fraud/kafka';
import type { Reason, ScoredTransaction, Transaction } from '@fraud/schemas';
import type { DecodedRecord } from './decode-chunk.ts';
import type { ActiveModel, ModelPair } from './models.ts';
import type { FeatureModule, SpecStates, TransactionValidator } from './ports.ts';
import type { RecentIds } from './recent-ids.ts';
import { applyPolicy, decideByScore, effectiveThresholds, type CompiledPolicy } from './policy.ts';

export interface ScoredOut {
  key: Buffer | null;
  record: ScoredTransaction;
}

/** A chunk's output: every input record is in exactly one of the two, in input order. */
export interface ChunkResult {
  scored: ScoredOut[];
  dead: DeadLetter[];
}

/** The payments of a chunk that will be scored, and the dead letters of the rest. */
export interface ScreenedChunk {
  payments: Transaction[];
  /** Index in the chunk's records of each payment. */
  indexes: number[];
  /** Per payment: the decision the synchronous path took on it (not yet in this state), or null. */
  decided: Array<ScoredTransaction | null>;
  /** Payments decided synchronously by this task (already in its state): only their decision goes out. */
  replays: Array<{ index: number; record: ScoredTransaction }>;
  dead: DeadLetter[];
  /** Newest eventTime among the payments (-Infinity when none). */
  newestEventTime: number;
  /** Newest Kafka timestamp among the payments' records (-Infinity when none). */
  appendedBy: number;
}

export interface ScreenContext {
  topic: string;
  partition: number;
  /** txIds recently scored on this partition; mutated: the screened payments are added. None: no check. */
  recent?: RecentIds;
  /** txIds this task decided synchronously and already holds in its state (SyncTaskState.pending); mutated. */
  pending?: Set<string>;
  validate: TransactionValidator;
  /** The injected clock's reading for this chunk (the validator's future-eventTime bound). */
  now: number;
}

/**
 * Validates the decoded records of a chunk and checks for repeated txIds; no I/O. Every record
 * becomes a payment to score or a dead letter, so consumed = scored + dead-lettered.
 */
export function screenChunk(
  records: readonly RawRecord[],
  decoded: readonly DecodedRecord[],
  ctx: ScreenContext,
): ScreenedChunk {
  const out: ScreenedChunk = {
    payments: [],
    indexes: [],
    decided: [],
    replays: [],
    dead: [],
    newestEventTime: -Infinity,
    appendedBy: -Infinity,
  };
  decoded.forEach((d, i) => {
    const rec = records[i]!;
    if (d.ok && d.decided !== undefined && ctx.pending?.delete(d.payment.txId) === true) {
      out.replays.push({ index: i, record: d.decided });
      return;
    }
    const verdict = d.ok ? judge(d.payment, ctx, d.decided !== undefined) : { code: d.code, message: d.message };
    if (verdict === null && d.ok) {
      ctx.recent?.add(d.payment.txId);
      out.payments.push(d.payment);
      out.indexes.push(i);
      out.decided.push(d.decided ?? null);
      out.newestEventTime = Math.max(out.newestEventTime, d.payment.eventTime);
      out.appendedBy = Math.max(out.appendedBy, Number(rec.timestamp));
      return;
    }
    if (verdict !== null) out.dead.push(deadLetter(rec, verdict, ctx));
  });
  return out;
}

/** Why a decoded payment is not scored, or null when it is. */
function judge(payment: Transaction, ctx: ScreenContext, decided: boolean): { code: string; message: string } | null {
  // A decided payment was validated when it was decided (and answered): its clock is the owner's.
  const invalid = decided ? null : ctx.validate(payment, ctx.now);
  if (invalid !== null) return { code: 'RECORD_INVALID', message: invalid };
  if (ctx.recent?.has(payment.txId) !== true) return null;
  return {
    code: 'DUPLICATE_TX_ID',
    message:
      `txId ${payment.txId} was already scored on this partition (among its last ${ctx.recent.capacity} ` +
      `txIds): a retry or a replay; its decision is the first one`,
  };
}

function deadLetter(rec: RawRecord, why: { code: string; message: string }, ctx: ScreenContext): DeadLetter {
  return {
    key: rec.key,
    value: rec.value,
    headers: rec.headers ?? {},
    code: why.code,
    message: why.message,
    topic: ctx.topic,
    partition: ctx.partition,
    offset: rec.offset,
    timestamp: rec.timestamp,
  };
}

export interface ScoreContext {
  partition: number;
  /** Per spec hash: what its gatherInputs returned for these payments (absent: the spec's own views). */
  inputs?: ReadonlyMap<string, unknown>;
  /** The partition's states, one per spec of ctx.models (ensureSpecStates); mutated: they include the payments. */
  state: SpecStates;
  models: ModelPair;
  policy: CompiledPolicy;
  explainTopK: number;
  /** The injected clock (scoredAt). */
  now: () => number;
}

/** The specs a pair of models is served with, each once (champion first). */
export function specsOf(models: ModelPair): FeatureModule[] {
  const specs = [models.champion.features];
  if (models.shadow && models.shadow.features.hash !== models.champion.features.hash)
    specs.push(models.shadow.features);
  return specs;
}

/**
 * What the specs read besides their partition state before the payments (newest eventTime `at.t`)
 * are computed: each spec's gatherInputs (partitioned entity state: lookups at the owners), else
 * its awaitInputs (the instance's own views' barriers), skipped with `waitMs: 0` (the synchronous
 * path waits on no barrier). Keyed by spec hash.
 */
export async function gatherSpecInputs(
  specs: readonly FeatureModule[],
  payments: readonly Transaction[],
  at: { t: number; appendedBy: number; waitMs?: number },
): Promise<Map<string, unknown>> {
  const inputs = new Map<string, unknown>();
  await Promise.all(
    specs.map(async (f) => {
      if (f.gatherInputs !== undefined) inputs.set(f.hash, await f.gatherInputs(payments, at));
      else if (at.waitMs !== 0) await f.awaitInputs?.(at.t, at.appendedBy);
    }),
  );
  return inputs;
}

/**
 * Features of the payments for every spec of the pair, each spec computed once with its state;
 * states of specs the pair does not use are dropped (they would miss these payments).
 */
export function computeSpecs(payments: readonly Transaction[], ctx: Pick<ScoreContext, 'state' | 'models' | 'inputs'>) {
  const specs = specsOf(ctx.models);
  for (const hash of [...ctx.state.keys()]) if (!specs.some((f) => f.hash === hash)) ctx.state.delete(hash);
  const out = new Map<string, Float32Array>();
  for (const f of specs) {
    if (!ctx.state.has(f.hash)) throw new Error(`no feature state for spec ${f.id} on this partition`);
    out.set(f.hash, f.compute(payments, ctx.state.get(f.hash), ctx.inputs?.get(f.hash)));
  }
  return out;
}

/**
 * Scores the screened payments of a chunk: features in offset order with the partition's state
 * of each model's spec, ONE predict call on the champion for the whole chunk (plus one on the
 * shadow, on its own spec's features), the decision policy, explanations of every REVIEW and
 * BLOCK. No I/O: the only await is the model call. The caller has already waited for the
 * specs' views (features read them). The record logs the champion's features. A payment the
 * synchronous path decided goes out with that decision (its features only update the state), and
 * so does a replay (already in the state); the output is in input order.
 */
export async function scoreChunk(
  records: readonly RawRecord[],
  screened: ScreenedChunk,
  ctx: ScoreContext,
): Promise<ScoredOut[]> {
  const { payments } = screened;
  const out: Array<{ index: number; record: ScoredTransaction }> = [];
  if (payments.length > 0) {
    const computed = computeSpecs(payments, ctx);
    const { decided } = screened;
    // Only the payments no one decided yet are predicted and explained; the others' features
    // just went into the state.
    const freshRows = decided.flatMap((d, row) => (d === null ? [row] : []));
    const fresh =
      freshRows.length === payments.length
        ? await decidePayments(payments, computed, ctx)
        : freshRows.length > 0
          ? await decidePayments(
              freshRows.map((row) => payments[row]!),
              rowsOf(computed, freshRows, specsOf(ctx.models)),
              ctx,
            )
          : [];
    let next = 0;
    payments.forEach((_, row) => {
      const record = decided[row] ?? fresh[next++]!;
      out.push({ index: screened.indexes[row]!, record });
    });
  }
  for (const r of screened.replays) out.push(r);
  if (screened.replays.length > 0) out.sort((a, b) => a.index - b.index);
  return out.map(({ index, record }) => {
    const rec = records[index]!;
    const source = { partition: ctx.partition, offset: Number(rec.offset), publishedAt: Number(rec.timestamp) };
    return { key: rec.key, record: { ...record, source } };
  });
}

/** The given rows of each spec's feature matrix (row-major, featureNames.length columns). */
function rowsOf(
  computed: Map<string, Float32Array>,
  rows: readonly number[],
  specs: readonly FeatureModule[],
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const f of specs) {
    const cols = f.featureNames.length;
    const data = computed.get(f.hash)!;
    const picked = new Float32Array(rows.length * cols);
    rows.forEach((row, i) => picked.set(data.subarray(row * cols, (row + 1) * cols), i * cols));
    out.set(f.hash, picked);
  }
  return out;
}

/**
 * The decisions on payments whose features are computed (computeSpecs): one predict call per
 * model, the policy, the explanations; `source` is left null (the caller knows where they are).
 */
export async function decidePayments(
  payments: readonly Transaction[],
  computed: Map<string, Float32Array>,
  ctx: Pick<ScoreContext, 'models' | 'policy' | 'explainTopK' | 'now'>,
): Promise<ScoredTransaction[]> {
  const { champion, shadow } = ctx.models;
  const cols = champion.features.featureNames.length;
  const data = computed.get(champion.features.hash)!;
  const matrixOf = (m: ActiveModel) => ({
    data: computed.get(m.features.hash)!,
    rows: payments.length,
    cols: m.features.featureNames.length,
  });
  const [scores, shadowScores] = await Promise.all([
    champion.serving.predict(matrixOf(champion)),
    shadow ? shadow.serving.predict(matrixOf(shadow)) : Promise.resolve(null),
  ]);
  const thresholds = effectiveThresholds(champion.thresholds, ctx.policy.policy);
  const scoredAt = ctx.now();
  const featureNames = champion.features.featureNames;
  return payments.map((payment, row) => {
    const score = scores[row]!;
    const base = row * cols;
    // A plain loop: Array.from(typed array) goes through the iterator protocol, 10x slower.
    const features = new Array<number>(cols);
    for (let j = 0; j < cols; j++) features[j] = data[base + j]!;
    const { decision, rulesFired } = applyPolicy(payment, score, thresholds, ctx.policy, { features, featureNames });
    const reasons: Reason[] =
      decision === 'APPROVE' ? [] : champion.serving.explain(data.subarray(base, base + cols), ctx.explainTopK);
    return {
      transaction: payment,
      featureSet: champion.features.featureSet,
      features,
      score,
      decision,
      reviewThreshold: thresholds.review,
      blockThreshold: thresholds.block,
      modelVersion: champion.version,
      reasons,
      rulesFired,
      ruleSetVersion: ctx.policy.rules.version,
      shadow: shadowOf(shadow, shadowScores, row),
      scoredAt,
      source: null,
    };
  });
}

function shadowOf(shadow: ActiveModel | null, scores: Float32Array | null, row: number): ScoredTransaction['shadow'] {
  if (!shadow || !scores) return null;
  const score = scores[row]!;
  return { modelVersion: shadow.version, score, decision: decideByScore(score, shadow.thresholds) };
}
