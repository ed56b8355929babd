import { errorMessage } from '@fraud/common';
import { compiledSpec, specMetadata, type CompiledFeatureSpec, type LabelEvent, type SpecMetadata } from '@fraud/model';
import { emptyLabelled, type HistoryRow, type LabelledRows } from '../store/index.ts';
import type { RunContext, RunEnd } from './retrain-data.ts';

const HOUR = 3_600_000;

/**
 * The feature spec a run trains with (the policy's featureSpec). When its featureSet is the one
 * the scorer logs (deps.featureSet), the run trains on the logged vectors, bit for bit what scoring
 * used; otherwise it computes the spec's features from the stored transactions and their labels
 * (with their arrival times), through the same engine the scorer runs.
 */
export interface RunFeatures {
  featureSet: string;
  featureNames: readonly string[];
  /** The spec's metadata for the artifact; null when the logged vectors are not the spec's columns. */
  meta: SpecMetadata | null;
  /** Set when the features are computed from the stored transactions. */
  recompute: CompiledFeatureSpec | null;
}

export function runFeatures(ctx: RunContext): RunFeatures | RunEnd {
  const { deps, policy } = ctx;
  let spec: CompiledFeatureSpec;
  try {
    spec = compiledSpec(policy.featureSpec);
  } catch (err: unknown) {
    return { status: 'failed', reason: `featureSpec ${policy.featureSpec}: ${errorMessage(err)}` };
  }
  const meta = specMetadata(spec);
  if (meta.featureSet !== deps.featureSet) {
    return { featureSet: meta.featureSet, featureNames: meta.featureNames, meta, recompute: spec };
  }
  const same =
    meta.featureNames.length === deps.featureNames.length &&
    meta.featureNames.every((n, i) => n === deps.featureNames[i]);
  return { featureSet: deps.featureSet, featureNames: deps.featureNames, meta: same ? meta : null, recompute: null };
}

/**
 * The labelled rows of the training window with the spec's features computed from the stored
 * transactions: history from the spec's retention before the window (so the first rows of the
 * window see their accounts' past, as online), labels as they arrived (labeledAt).
 */
export async function recomputedWindow(ctx: RunContext, spec: CompiledFeatureSpec): Promise<LabelledRows> {
  const { deps, policy, run } = ctx;
  const stats = await deps.store.training.stats();
  const to = (stats.maxEventTime ?? run.startedAt) - policy.maturityHours * HOUR;
  const from = to - policy.trainingWindowHours * HOUR;
  const history = await deps.store.training.loadHistory({ from: from - spec.bounds.retentionMs, to });
  const kept = history.filter((r) => r.transaction !== null);
  const labels: LabelEvent[] = kept.flatMap((r) =>
    r.isFraud === null || r.labeledAt === null ? [] : [{ txId: r.txId, isFraud: r.isFraud, labeledAt: r.labeledAt }],
  );
  const matrix = spec.computeFile(
    kept.map((r) => r.transaction!),
    labels,
  );
  const idx = kept.flatMap((r, i) => (r.isFraud !== null && r.eventTime >= from ? [i] : []));
  const rows = labelledRows(kept, idx, matrix.data, matrix.cols);
  Object.assign(run, {
    windowFrom: rows.eventTime[0] ?? null,
    windowTo: rows.eventTime[rows.eventTime.length - 1] ?? null,
  });
  run.details = {
    ...run.details,
    eventTimeAtStart: stats.maxEventTime,
    featureSpec: spec.featureSet,
    recomputed: { history: kept.length, labelled: idx.length, withoutTransaction: history.length - kept.length },
  };
  return rows;
}

function labelledRows(kept: readonly HistoryRow[], idx: readonly number[], data: Float32Array, cols: number) {
  const n = idx.length;
  const out = emptyLabelled(n, cols);
  idx.forEach((k, i) => {
    const r = kept[k]!;
    out.txIds.push(r.txId);
    out.eventTime[i] = r.eventTime;
    out.features.set(data.subarray(k * cols, (k + 1) * cols), i * cols);
    out.labels[i] = r.isFraud === true ? 1 : 0;
    out.amount[i] = r.amount;
    out.txType.push(r.txType);
    out.typology.push(r.typology);
    out.score[i] = r.score;
    out.modelVersion.push(r.modelVersion);
    out.reviewThreshold[i] = r.reviewThreshold;
    out.shadowScore.push(r.shadowScore);
    out.shadowVersion.push(r.shadowVersion);
  });
  return out;
}
