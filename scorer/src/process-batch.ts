import type { IHeaders } from 'kafkajs';
import { errorMessage, isFraudError, type FraudError } from '@fraud/common';
import type { Reason, ScoredTransaction, Transaction } from '@fraud/schemas';
import type { DeadLetter } from './dlq.ts';
import type { ModelPair } from './models.ts';
import type { Codec, FeatureModule, TransactionValidator } from './ports.ts';
import type { RecentIds } from './recent-ids.ts';
import { applyPolicy, decideByScore, effectiveThresholds, type CompiledPolicy } from './policy.ts';

/** One consumed record, as kafkajs hands it over (offsets and timestamps are decimal strings). */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  offset: string;
  timestamp: string;
}

export interface ScoredOut {
  key: Buffer | null;
  record: ScoredTransaction;
}

export interface BatchResult {
  scored: ScoredOut[];
  dead: DeadLetter[];
}

export interface BatchDeps<S> {
  decode: Codec<Transaction>['decode'];
  validate: TransactionValidator;
  features: FeatureModule<S>;
  explainTopK: number;
  now: () => number;
  /**
   * Called before features are computed (the destination view barrier) with the batch's newest
   * eventTime and newest Kafka timestamp.
   */
  awaitView?: (eventTime: number, appendedBy: number) => Promise<unknown>;
}

export interface BatchContext<S> {
  topic: string;
  partition: number;
  /** Per-partition feature state; mutated: after the batch it includes the scored transactions. */
  state: S;
  models: ModelPair;
  policy: CompiledPolicy;
  /** txIds recently scored on this partition; mutated like `state`. None: no duplicate check. */
  recent?: RecentIds;
}

type Decoded = { ok: true; tx: Transaction } | { ok: false; reason: string; message: string };

/**
 * The pure heart of the scorer: decode -> validate -> features -> one model call for the whole
 * batch (plus one for the shadow) -> decision policy -> explanations. Every input record ends up
 * in exactly one of `scored` or `dead`, in input order, so consumed = scored + dead-lettered.
 */
export async function processBatch<S>(
  records: readonly RawRecord[],
  ctx: BatchContext<S>,
  deps: BatchDeps<S>,
): Promise<BatchResult> {
  const decoded = await Promise.all(records.map((r) => decodeOne(r, deps)));
  const now = deps.now();
  const dead: DeadLetter[] = [];
  const valid: Transaction[] = [];
  const validIdx: number[] = [];
  decoded.forEach((d, i) => {
    const rec = records[i]!;
    const invalid = d.ok ? deps.validate(d.tx, now) : null;
    const duplicate = d.ok && invalid === null && ctx.recent?.has(d.tx.txId) === true;
    if (d.ok && invalid === null && !duplicate) {
      ctx.recent?.add(d.tx.txId);
      valid.push(d.tx);
      validIdx.push(i);
      return;
    }
    const reason = !d.ok ? d.reason : duplicate ? 'DUPLICATE_TX_ID' : 'RECORD_INVALID';
    const message = !d.ok
      ? d.message
      : duplicate
        ? `txId ${d.tx.txId} was already scored on this partition (among its last ${ctx.recent!.capacity} txIds): a retry or a replay; its decision is the first one`
        : (invalid ?? '');
    dead.push({
      key: rec.key,
      value: rec.value,
      headers: rec.headers ?? {},
      reason,
      message,
      topic: ctx.topic,
      partition: ctx.partition,
      offset: rec.offset,
      timestamp: rec.timestamp,
    });
  });
  if (valid.length === 0) return { scored: [], dead };

  if (deps.awaitView !== undefined) {
    let newest = -Infinity;
    for (const tx of valid) if (tx.eventTime > newest) newest = tx.eventTime;
    let appendedBy = -Infinity;
    for (const i of validIdx) appendedBy = Math.max(appendedBy, Number(records[i]!.timestamp));
    await deps.awaitView(newest, Number.isFinite(appendedBy) ? appendedBy : Date.now());
  }
  const cols = deps.features.featureNames.length;
  const data = deps.features.compute(valid, ctx.state);
  const matrix = { data, rows: valid.length, cols };
  const { champion, shadow } = ctx.models;
  const [scores, shadowScores] = await Promise.all([
    champion.serving.predict(matrix),
    shadow ? shadow.serving.predict(matrix) : Promise.resolve(null),
  ]);
  const thresholds = effectiveThresholds(champion.thresholds, ctx.policy.policy);
  const scoredAt = deps.now();

  const scored: ScoredOut[] = valid.map((tx, row) => {
    const rec = records[validIdx[row]!]!;
    const score = scores[row]!;
    const base = row * cols;
    // A plain loop: Array.from(typed array) goes through the iterator protocol, 10x slower.
    const features = new Array<number>(cols);
    for (let j = 0; j < cols; j++) features[j] = data[base + j]!;
    const { decision, rulesFired } = applyPolicy(tx, score, thresholds, ctx.policy);
    const reasons: Reason[] =
      decision === 'APPROVE' ? [] : champion.serving.explain(data.subarray(base, base + cols), deps.explainTopK);
    const shadowScore = shadow && shadowScores ? shadowScores[row]! : null;
    return {
      key: rec.key,
      record: {
        transaction: tx,
        featureSet: deps.features.featureSet,
        features,
        score,
        decision,
        reviewThreshold: thresholds.review,
        blockThreshold: thresholds.block,
        modelVersion: champion.version,
        reasons,
        rulesFired,
        shadow:
          shadow && shadowScore !== null
            ? {
                modelVersion: shadow.version,
                score: shadowScore,
                decision: decideByScore(shadowScore, shadow.thresholds),
              }
            : null,
        scoredAt,
        source: { partition: ctx.partition, offset: Number(rec.offset), publishedAt: Number(rec.timestamp) },
      },
    };
  });
  return { scored, dead };
}

async function decodeOne<S>(rec: RawRecord, deps: BatchDeps<S>): Promise<Decoded> {
  if (rec.value === null || rec.value.length === 0)
    return { ok: false, reason: 'DECODE_TRUNCATED', message: 'record has no value (null or empty)' };
  try {
    return { ok: true, tx: await deps.decode(rec.value) };
  } catch (err: unknown) {
    // Only bad bytes are dead-lettered; anything else (registry down...) must stop the batch
    // so it is retried, never silently turned into a dead letter.
    if (isBadRecordError(err)) return { ok: false, reason: err.code, message: err.message };
    throw err;
  }
}

/** A decode error that the record's own bytes caused (not an outage): it will never decode. */
export function isBadRecordError(err: unknown): err is FraudError {
  return (
    isFraudError(err) &&
    (err.code.startsWith('DECODE_') || err.code === 'SCHEMA_NOT_FOUND' || err.code === 'RECORD_INVALID')
  );
}

/** For logs: a short description of a thrown value. */
export function describe(err: unknown): string {
  return isFraudError(err) ? `${err.code}: ${err.message}` : errorMessage(err);
}
