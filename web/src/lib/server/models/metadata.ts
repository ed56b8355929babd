import { curveFromScores, type CurvePoint, type EvaluationCurve } from '../../what-if.ts';
import type { ModelView } from '../../model-view.ts';
import { specViewFromMetadata } from './spec-view.ts';

/**
 * Reads a model's metadata.json into a ModelView. The metadata is written by the model toolkit
 * and has grown over time, so this accepts the field spellings seen so far and leaves out what
 * is absent rather than failing: a version with thin metadata still lists.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pick = (o: Json, ...keys: string[]): unknown => {
  for (const k of keys) {
    const parts = k.split('.');
    let cur: unknown = o;
    for (const p of parts) cur = isObj(cur) ? cur[p] : undefined;
    if (cur !== undefined && cur !== null) return cur;
  }
  return undefined;
};
const toTime = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
};

export function modelViewFromMetadata(
  meta: Json,
  base: { version: string; role: string; createdAt: number; sources: string[]; promotable: boolean },
): ModelView {
  const metricsRaw = pick(meta, 'metrics.test', 'metrics', 'evaluation.metrics', 'evaluation.test');
  const metrics: Record<string, number> = {};
  // The toolkit's reports keep precision/recall at the review threshold under `flagged`.
  const flagged = isObj(metricsRaw) && isObj(metricsRaw.flagged) ? metricsRaw.flagged : {};
  for (const source of [flagged, isObj(metricsRaw) ? metricsRaw : {}])
    for (const [k, v] of Object.entries(source)) if (numOr(v) !== null) metrics[k] = v as number;

  const th = pick(meta, 'thresholds');
  const review = isObj(th) ? numOr(th.review ?? th.reviewThreshold) : numOr(meta.reviewThreshold);
  const block = isObj(th) ? numOr(th.block ?? th.blockThreshold) : numOr(meta.blockThreshold);

  const win = pick(meta, 'trainingWindow', 'training.window', 'window');
  const trainingWindow = isObj(win) ? { from: toTime(win.from ?? win.start), to: toTime(win.to ?? win.end) } : null;

  // The toolkit (model/src/pipeline/train-metadata.ts) nests each evaluation under its window:
  // confusion.{test,validation}.flagged, prCurve.{test,validation}, costCurve.{review,block}.
  const cm = pick(
    meta,
    'confusionMatrix',
    'confusion.test.flagged',
    'confusion.validation.flagged',
    'confusion',
    'metrics.confusion',
    'evaluation.confusion',
  );
  const confusion =
    isObj(cm) && [cm.tp, cm.fp, cm.tn, cm.fn].every((x) => numOr(x) !== null)
      ? { tp: cm.tp as number, fp: cm.fp as number, tn: cm.tn as number, fn: cm.fn as number }
      : null;

  const fiRaw = pick(meta, 'featureImportance', 'importance');
  let featureImportance: { feature: string; importance: number }[] = [];
  if (Array.isArray(fiRaw)) {
    featureImportance = fiRaw.filter(isObj).map((x) => ({
      feature: String(x.feature ?? x.name ?? ''),
      importance: numOr(x.importance ?? x.gain ?? x.value) ?? 0,
    }));
  } else if (isObj(fiRaw)) {
    featureImportance = Object.entries(fiRaw).map(([feature, v]) => ({ feature, importance: numOr(v) ?? 0 }));
  }
  featureImportance.sort((a, b) => b.importance - a.importance);
  // Shown as shares of the total: raw split gains run to millions and crowd the axis.
  const totalImportance = featureImportance.reduce((sum, f) => sum + Math.max(0, f.importance), 0);
  if (totalImportance > 0)
    featureImportance = featureImportance.map((f) => ({ ...f, importance: f.importance / totalImportance }));

  const evaluation = evaluationFromMetadata(meta);
  const prRaw = pick(meta, 'prCurve.test', 'prCurve.validation', 'prCurve', 'curves.pr', 'evaluation.prCurve');
  let prCurve: ModelView['prCurve'] = [];
  if (Array.isArray(prRaw)) {
    prCurve = prRaw.filter(isObj).flatMap((p) => {
      const precision = numOr(p.precision);
      const recall = numOr(p.recall);
      return precision !== null && recall !== null ? [{ threshold: numOr(p.threshold), precision, recall }] : [];
    });
  } else if (evaluation) {
    prCurve = evaluation.points.map((p) => ({
      threshold: p.threshold,
      precision: p.tp / Math.max(1, p.tp + p.fp),
      recall: p.tp / Math.max(1, evaluation.positives),
    }));
  }

  const costRaw = pick(meta, 'costCurve.review', 'costCurve', 'curves.cost', 'evaluation.costCurve');
  const costCurve = Array.isArray(costRaw)
    ? costRaw.filter(isObj).flatMap((p) => {
        const threshold = numOr(p.threshold);
        const cost = numOr(p.cost ?? p.expectedCost);
        return threshold !== null && cost !== null ? [{ threshold, cost }] : [];
      })
    : [];

  const names = pick(meta, 'featureNames', 'features');
  return {
    ...base,
    featureSet: typeof meta.featureSet === 'string' ? meta.featureSet : null,
    featureNames: Array.isArray(names) ? names.map(String) : [],
    spec: specViewFromMetadata(meta),
    thresholds: review !== null && block !== null ? { review, block } : null,
    metrics,
    trainingWindow,
    prCurve,
    confusion,
    featureImportance,
    costCurve,
    evaluation,
  };
}

/**
 * Evaluation data for the what-if, best source first: raw validation scores with labels (exact),
 * else curve points with counts (tp/fp at each threshold), else precision/recall points plus the
 * number of positives and negatives (counts recovered from the ratios).
 */
export function evaluationFromMetadata(meta: Json): EvaluationCurve | null {
  const raw = pick(meta, 'evaluation.validation', 'validation', 'validationScores', 'evaluation.scores');
  if (isObj(raw) && Array.isArray(raw.scores) && Array.isArray(raw.labels)) {
    return curveFromScores(
      raw.scores.map(Number),
      raw.labels.map((l) => l === true || l === 1),
      'validation scores (metadata)',
    );
  }
  const prRaw = pick(meta, 'prCurve', 'curves.pr', 'evaluation.prCurve', 'thresholdCurve');
  if (!Array.isArray(prRaw)) return null;
  const pos = numOr(pick(meta, 'evaluation.positives', 'positives', 'validation.positives', 'metrics.positives'));
  const neg = numOr(pick(meta, 'evaluation.negatives', 'negatives', 'validation.negatives', 'metrics.negatives'));
  const points: CurvePoint[] = [];
  for (const p of prRaw.filter(isObj)) {
    const threshold = numOr(p.threshold);
    if (threshold === null) continue;
    const tp = numOr(p.tp);
    const fp = numOr(p.fp);
    if (tp !== null && fp !== null) points.push({ threshold, tp, fp });
    else if (pos !== null) {
      const precision = numOr(p.precision);
      const recall = numOr(p.recall);
      if (precision === null || recall === null) continue;
      const tpc = Math.round(recall * pos);
      points.push({ threshold, tp: tpc, fp: precision > 0 ? Math.round((tpc * (1 - precision)) / precision) : 0 });
    }
  }
  if (points.length === 0) return null;
  points.sort((a, b) => b.threshold - a.threshold);
  const last = points[points.length - 1]!;
  return { positives: pos ?? last.tp, negatives: neg ?? last.fp, points, source: 'curve points (metadata)' };
}
