import { createServingModel } from '@fraud/model';
import { column, psi } from '../domain/psi.ts';
import { trainingWindowOf } from '../domain/windows.ts';
import type { TriggerInputs } from '../domain/triggers.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
import type { TrainingStore } from '../store/training-store.ts';
import type { ModelSource } from './model-source.ts';

/**
 * Measures what the drift and quality triggers look at, for the champion in force:
 * - PSI of the score and the watched features: the newest records the champion scored against
 *   its training window (rows of that window still in the store, scored by the champion's
 *   own ONNX graph, cached per version);
 * - live recall and precision at its review threshold over its most recent labels.
 */
export interface Monitor {
  measure(policy: RetrainPolicy, champion: ModelSource | null): Promise<Pick<TriggerInputs, 'psi' | 'live'>>;
}

interface Reference {
  version: string;
  features: Float32Array;
  cols: number;
  scores: Float32Array;
}

export function createMonitor(deps: {
  training: TrainingStore;
  featureSet: string;
  featureNames: readonly string[];
}): Monitor {
  let ref: Reference | null = null;
  const reference = async (champion: ModelSource): Promise<Reference | null> => {
    if (ref?.version === champion.version) return ref;
    const w = trainingWindowOf(champion.metadata);
    if (!w) return null;
    const rows = await deps.training.loadLabelled({ featureSet: deps.featureSet, from: w.from, to: w.to });
    if (rows.txIds.length < 100) return null;
    const model = await createServingModel({
      version: champion.version,
      featureSet: champion.featureSet,
      featureNames: champion.featureNames,
      onnx: champion.onnx,
      modelJson: champion.modelJson,
    });
    try {
      const scores = Float32Array.from(
        await model.predict({ data: rows.features, rows: rows.txIds.length, cols: rows.cols }),
      );
      ref = { version: champion.version, features: rows.features, cols: rows.cols, scores };
      return ref;
    } finally {
      await model.dispose();
    }
  };
  return {
    async measure(policy, champion) {
      const out: Pick<TriggerInputs, 'psi' | 'live'> = { psi: {}, live: null };
      if (!champion || champion.featureSet !== deps.featureSet) return out;
      const d = policy.drift;
      if (d.psiThreshold !== null) {
        const r = await reference(champion);
        const recent = await deps.training.recentScored({ modelVersion: champion.version, limit: d.recentSize });
        if (r && recent.rows >= Math.min(d.recentSize, 100) && recent.cols === r.cols) {
          out.psi.score = psi(r.scores, recent.score, d.bins);
          for (const name of d.features) {
            const col = deps.featureNames.indexOf(name);
            if (col >= 0)
              out.psi[name] = psi(column(r.features, r.cols, col), column(recent.features, recent.cols, col), d.bins);
          }
        }
      }
      if (d.recallFloor !== null || d.precisionFloor !== null) {
        const rows = await deps.training.loadLabelled({
          featureSet: deps.featureSet,
          modelVersion: champion.version,
          lastN: d.performanceWindowLabels,
        });
        let tp = 0;
        let fp = 0;
        let pos = 0;
        for (let i = 0; i < rows.txIds.length; i++) {
          const flagged = (rows.score[i] ?? 0) >= (rows.reviewThreshold[i] ?? 1);
          const fraud = (rows.labels[i] ?? 0) > 0.5;
          if (fraud) pos++;
          if (flagged && fraud) tp++;
          if (flagged && !fraud) fp++;
        }
        if (pos >= d.performanceMinPositives)
          out.live = { recall: tp / pos, precision: tp + fp === 0 ? 0 : tp / (tp + fp), positives: pos };
      }
      return out;
    },
  };
}
