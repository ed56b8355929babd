import type { TrainResult } from '../api.ts';
import type { EvalReport } from '../eval/report.ts';
import type { FeatureOptions } from '../features/state.ts';
import type { ThresholdChoice } from '../policy/thresholds.ts';
import type { ArtifactMetadataInput } from '../serving/artifact.ts';
import type { FeatureImportance } from './importance.ts';
import type { SpecMetadata } from './model-spec.ts';
import type { PipelineInput, PipelineResult } from './train.ts';

/** Compact metrics for metadata.json (the curves are stored separately). */
export function summarise(r: EvalReport): Record<string, unknown> {
  const { prCurve: _pr, byType, ...rest } = r;
  return { ...rest, byType: Object.fromEntries(Object.entries(byType).map(([t, s]) => [t, { ...s }])) };
}

function confusionOf(r: EvalReport): Record<string, unknown> {
  const { tp, fp, tn, fn } = r.flagged;
  return { flagged: { tp, fp, tn, fn }, decisions: r.cost.decisions };
}

export interface MetadataFacts {
  version: string;
  spec: SpecMetadata;
  featureOptions: FeatureOptions;
  choice: ThresholdChoice;
  validation: EvalReport;
  test: EvalReport | null;
  atF1: PipelineResult['atF1'];
  importance: FeatureImportance[];
  windows: PipelineResult['windows'];
  fingerprint: string;
  rows: number;
  trained: TrainResult;
  parityMaxAbsDiff: number;
}

/** What metadata.json records beside the artifact writer's own fields; the key order is the file's. */
export function buildMetadata(input: PipelineInput, facts: MetadataFacts): ArtifactMetadataInput {
  const { choice, validation, test, atF1, trained } = facts;
  return {
    version: facts.version,
    featureSet: facts.spec.featureSet,
    featureNames: facts.spec.featureNames,
    featureSpecId: facts.spec.featureSpecId,
    featureSpecHash: facts.spec.featureSpecHash,
    featureSpec: facts.spec.featureSpec,
    featureOptions: facts.featureOptions,
    thresholds: choice.thresholds,
    costs: input.costs,
    maxReviewRate: input.maxReviewRate ?? 1,
    maxBlockRate: input.maxBlockRate ?? 1,
    negativeWeight: input.negativeWeight ?? 1,
    costCurve: {
      review: choice.reviewCurve,
      block: choice.blockCurve,
      validationCost: choice.cost,
      approveAllCost: choice.approveAllCost,
    },
    prCurve: { validation: validation.prCurve, test: test?.prCurve ?? null },
    confusion: { validation: confusionOf(validation), test: test === null ? null : confusionOf(test) },
    featureImportance: facts.importance,
    trainingWindow: facts.windows,
    dataFingerprint: { sha256: facts.fingerprint, rows: facts.rows },
    metrics: { validation: summarise(validation), test: test === null ? null : summarise(test) },
    metricsAtF1Threshold: {
      threshold: atF1.threshold,
      validation: summarise(atF1.validation),
      test: atF1.test === null ? null : summarise(atF1.test),
    },
    training: {
      params: input.params,
      bestIteration: trained.bestIteration,
      rounds: trained.rounds,
      scalePosWeight: trained.scalePosWeight,
      seconds: trained.seconds,
    },
    parityMaxAbsDiff: facts.parityMaxAbsDiff,
    provenance: input.provenance ?? {},
  };
}
