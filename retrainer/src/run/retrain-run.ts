import { errorMessage, type Logger } from '@fraud/common';
import { verifyParity, type Costs, type TrainInput, type TrainResult } from '@fraud/model';
import { decidePromotion } from '../domain/decide.ts';
import type { RetrainPolicy } from '../policy/schema.ts';
import type { Store } from '../store/index.ts';
import type { RunRecord } from '../store/registry-store.ts';
import type { ModelSource } from './model-source.ts';
import type { ModelPublisher } from './publisher.ts';
import {
  finishRun,
  isRunEnd,
  loadWindow,
  openRun,
  refuseWindow,
  splitWindow,
  type RunContext,
  type RunEnd,
} from './retrain-data.ts';
import {
  chooseRunThresholds,
  convertToOnnx,
  evaluateOnHoldout,
  publishChallenger,
  scoreChallenger,
  trainChallenger,
  writeRunArtifact,
} from './retrain-model.ts';
import { runFeatures } from './spec-window.ts';
import type { ThresholdChooser } from './thresholds.ts';

export { missedFraudWeights } from './retrain-model.ts';
export { toolkitThresholds, type ThresholdChooser } from './thresholds.ts';

export interface RunProgress {
  runId: string;
  stage: 'loading' | 'training' | 'evaluating' | 'publishing' | 'done';
  round?: number;
  rounds?: number;
  validMetric?: number;
}

export interface RetrainDeps {
  store: Store;
  artifactsDir: string;
  publisher: ModelPublisher;
  /** The champion in force (from model-updates), or null. */
  champion: () => ModelSource | null;
  featureSet: string;
  featureNames: readonly string[];
  costs: Costs;
  /** Default: the toolkit's expected-cost choice. */
  chooseThresholds?: ThresholdChooser;
  logger: Logger;
  /** The trainer; the real XGBoost by default (tests inject a deliberately bad one). */
  train?: (input: TrainInput) => Promise<TrainResult>;
  now?: () => number;
  onProgress?: (p: RunProgress) => void;
}

/**
 * One retraining run: time-ordered windows from the store, a challenger trained with XGBoost,
 * champion and challenger scored on the SAME most recent holdout (the champion through its
 * ONNX graph on the logged features), the promotion rule, the artifact, and the run record.
 * Every run is recorded, whatever its outcome; a failure is recorded as such and rethrown.
 */
export async function runRetrain(
  deps: RetrainDeps,
  policy: RetrainPolicy,
  opts: { trigger: string; actor?: string },
): Promise<RunRecord> {
  const ctx = await openRun(deps, policy, opts);
  try {
    return await finishRun(ctx, await retrain(ctx));
  } catch (err: unknown) {
    await finishRun(ctx, { status: 'failed', reason: errorMessage(err) });
    throw err;
  }
}

/** The run's steps, in order; a step that finds nothing to do ends the run with its reason. */
async function retrain(ctx: RunContext): Promise<RunEnd> {
  ctx.progress({ stage: 'loading' });
  const features = runFeatures(ctx);
  if (isRunEnd(features)) return features;
  // The run's steps read the feature set and names from deps: the policy spec's from here on.
  ctx.features = features;
  ctx.deps = { ...ctx.deps, featureSet: features.featureSet, featureNames: features.featureNames };
  const rows = await loadWindow(ctx);
  const refused = refuseWindow(ctx, rows);
  if (refused) return refused;
  const window = splitWindow(ctx, rows);
  if (isRunEnd(window)) return window;

  const trained = await trainChallenger(ctx, window);

  ctx.progress({ stage: 'evaluating' });
  const onnx = convertToOnnx(ctx, trained);
  const parityMaxAbsDiff = await verifyParity(trained.modelJson, onnx, window.valid.matrix);
  const scores = await scoreChallenger(ctx, { onnx, modelJson: trained.modelJson }, window);
  const thresholds = chooseRunThresholds(ctx, window, scores.valid);
  const metrics = await evaluateOnHoldout(ctx, window, { scores: scores.test, thresholds, trained });

  const decision = decidePromotion(ctx.policy.promotion, metrics.challenger, metrics.champion);
  const written = await writeRunArtifact(ctx, window, {
    trained,
    onnx,
    thresholds,
    parityMaxAbsDiff,
    metrics,
    decision,
  });
  if (!decision.promote) return { status: 'rejected', reason: decision.reason };

  return publishChallenger(ctx, { onnx, modelJson: trained.modelJson, thresholds, written }, decision);
}
