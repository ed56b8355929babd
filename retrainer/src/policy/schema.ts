import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { FraudError } from '@fraud/common';

/**
 * The retrain policy: when to retrain, on what data, with which XGBoost parameters, and when a
 * challenger may replace the champion. It is the value of key "retrain-policy" on the compacted
 * `control` topic (JSON), the content of RETRAIN_POLICY_FILE (JSON or YAML), and the body of
 * PUT /api/policy. Every field has a default, so a partial document is a valid edit.
 */
const xgboostSchema = z
  .object({
    rounds: z.number().int().min(1).max(5000).default(200),
    earlyStoppingRounds: z.number().int().min(0).max(1000).default(20),
    /**
     * Early stopping only when the validation window holds at least this many frauds; with
     * fewer, AUPRC moves in steps of whole frauds and stopped at 0-13 rounds (under-trained
     * challengers whose scores crowd around base_score), so every round is trained instead.
     */
    earlyStoppingMinPositives: z.number().int().min(0).max(1_000_000).default(50),
    maxDepth: z.number().int().min(1).max(16).default(6),
    eta: z.number().positive().max(1).default(0.1),
    subsample: z.number().positive().max(1).default(0.9),
    colsampleBytree: z.number().positive().max(1).default(0.9),
    minChildWeight: z.number().min(0).max(1000).default(1),
    lambda: z.number().min(0).max(1000).default(1),
    /** null: negatives/positives of the training window. */
    scalePosWeight: z.number().positive().nullable().default(null),
    seed: z.number().int().min(0).default(42),
    nthread: z.number().int().min(1).max(64).default(1),
  })
  .strict();

const driftSchema = z
  .object({
    /** PSI above this on the score or any key feature triggers a retrain; null = off. */
    psiThreshold: z.number().positive().max(10).nullable().default(0.2),
    /** Feature names watched for drift (besides the score). */
    features: z
      .array(z.string().min(1))
      .max(64)
      .default(['amount', 'amount_to_orig_balance', 'orig_balance_before', 'dest_fanin_24h']),
    /** Newest scored records compared against the champion's training window. */
    recentSize: z.number().int().min(50).max(1_000_000).default(2000),
    bins: z.number().int().min(4).max(50).default(10),
    /** Live quality over the most recent labels scored by the champion; null = off. */
    recallFloor: z.number().min(0).max(1).nullable().default(null),
    precisionFloor: z.number().min(0).max(1).nullable().default(null),
    performanceWindowLabels: z.number().int().min(10).max(1_000_000).default(2000),
    /** Floors are only judged once the window holds this many frauds. */
    performanceMinPositives: z.number().int().min(1).max(100_000).default(20),
  })
  .strict();

const promotionSchema = z
  .object({
    metric: z.enum(['aucpr', 'cost']).default('aucpr'),
    /** aucpr: absolute gain required; cost: relative reduction required (0.05 = 5% cheaper). */
    margin: z.number().min(0).max(1).default(0.005),
    /** Largest increase of false-positive rate (flagged legitimate / legitimate) tolerated. */
    maxFprIncrease: z.number().min(0).max(1).default(0.002),
    /** Below this many frauds in the holdout the comparison is too noisy: keep the champion. */
    minHoldoutPositives: z.number().int().min(1).max(100_000).default(5),
  })
  .strict();

const shadowSchema = z
  .object({
    /** Labels (scored by both champion and shadow) needed before the shadow is judged. */
    minLabels: z.number().int().min(10).max(1_000_000).default(500),
    minPositives: z.number().int().min(1).max(100_000).default(10),
  })
  .strict();

export const retrainPolicySchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Retrain once this many labels joined the store since the last run... */
    minNewLabels: z.number().int().min(1).max(100_000_000).default(5000),
    /** ...of which at least this many are frauds. */
    minNewFraudLabels: z.number().int().min(0).max(1_000_000).default(0),
    /** Retrain at least this often (wall clock) when any new label arrived. */
    maxIntervalMinutes: z
      .number()
      .positive()
      .max(525_600)
      .default(24 * 60),
    /** Never retrain more often than this (wall clock), whatever triggers. */
    minIntervalMinutes: z.number().min(0).max(525_600).default(1),
    drift: driftSchema.default(driftSchema.parse({})),
    /** Event-time length of the data used by a run (train + validation + test). */
    trainingWindowHours: z
      .number()
      .positive()
      .max(24 * 3650)
      .default(24 * 30),
    /** Event-time retention of the training store (rows older than this before the newest are dropped). */
    retentionHours: z
      .number()
      .positive()
      .max(24 * 3650)
      .default(24 * 60),
    /** A label whose transaction has not arrived after this long (wall clock) is dropped as unknown. */
    pendingLabelTtlMinutes: z
      .number()
      .positive()
      .max(525_600)
      .default(24 * 60),
    /**
     * Rows newer (event time) than this before the newest scored transaction are left out of a
     * run: their legitimate labels may not have arrived yet (the label maturity window), and a
     * window where only frauds are labelled would bias training and the holdout.
     */
    maturityHours: z
      .number()
      .min(0)
      .max(24 * 365)
      .default(0),
    /** Event-time gap between train and validation, and between validation and test. */
    labelDelayGapHours: z
      .number()
      .min(0)
      .max(24 * 365)
      .default(0),
    /** Fractions of the window (by event time) for validation and test; train gets the rest. */
    validationFraction: z.number().min(0.05).max(0.45).default(0.15),
    testFraction: z.number().min(0.05).max(0.45).default(0.2),
    /**
     * Most transactions (fraction) the analysts can review: the cost-optimal thresholds are
     * chosen under this cap (without it, when missed frauds are expensive, "review everything"
     * can be the cheapest policy on a small validation window).
     */
    maxReviewRate: z.number().positive().max(1).default(0.01),
    /**
     * Most transactions (fraction) that may be blocked. Without it the review cap alone let a
     * challenger whose validation window held a few large frauds block everything (seen in the
     * adaptation benchmark: FPR 1.0 challengers).
     */
    maxBlockRate: z.number().positive().max(1).default(0.01),
    /**
     * Training weight of a fraud the serving model missed (its logged score was below the
     * review threshold it was decided with). Above 1, a retrain learns a pattern the champion
     * does not know from fewer labels: the adaptation benchmark measures the effect. Validation
     * and test rows are never weighted, so thresholds and the promotion gate are unbiased.
     */
    missedFraudWeight: z.number().min(1).max(1000).default(1),
    /** A run needs at least this many labelled rows and frauds in the window. */
    minTrainingRows: z.number().int().min(10).max(100_000_000).default(1000),
    minTrainingPositives: z.number().int().min(1).max(1_000_000).default(10),
    /**
     * The feature spec a run trains with: the name of a spec shipped in model/feature-sets/ (fs-v2,
     * payments-v1, ...), optionally name@version. The challenger carries it in its metadata and the
     * scorer computes it; a spec other than the logged one is computed from the stored transactions.
     */
    featureSpec: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._-]*(@[a-z0-9._-]+)?$/,
        'a shipped spec name such as fs-v2 or payments-v1 (name@version allowed)',
      )
      .max(128)
      .default('fs-v2'),
    xgboost: xgboostSchema.default(xgboostSchema.parse({})),
    promotion: promotionSchema.default(promotionSchema.parse({})),
    /** A winning challenger first runs as SHADOW beside the champion and is judged on live labels. */
    shadowFirst: z.boolean().default(false),
    shadow: shadowSchema.default(shadowSchema.parse({})),
    /** Audit fields, set by whoever applies the edit. */
    updatedBy: z.string().max(128).default('system'),
    updatedAt: z.number().int().nonnegative().default(0),
  })
  .strict()
  .refine((p) => p.validationFraction + p.testFraction <= 0.7, {
    message: 'validationFraction + testFraction must leave at least 30% of the window for training',
    path: ['testFraction'],
  })
  .refine((p) => p.retentionHours >= p.trainingWindowHours, {
    message: 'retentionHours must be >= trainingWindowHours (the store must keep the training window)',
    path: ['retentionHours'],
  })
  .refine((p) => p.minIntervalMinutes <= p.maxIntervalMinutes, {
    message: 'minIntervalMinutes must be <= maxIntervalMinutes',
    path: ['minIntervalMinutes'],
  });

export type RetrainPolicy = z.infer<typeof retrainPolicySchema>;
export type RetrainPolicyInput = z.input<typeof retrainPolicySchema>;

export function defaultRetrainPolicy(): RetrainPolicy {
  return retrainPolicySchema.parse({});
}

/**
 * Validates an edit. Unknown fields are refused (a typo must not silently do nothing); the
 * message lists every problem with its path, so the console and the CLI can show it as is.
 */
export function validateRetrainPolicy(input: unknown): RetrainPolicy {
  const result = retrainPolicySchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(policy)'}: ${i.message}`);
  throw new FraudError(
    'BAD_REQUEST',
    `retrain policy refused:\n${lines.join('\n')}\nThe previous policy stays in force.`,
    {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    },
  );
}

/** Parses the text of a policy file: JSON, or YAML when the name ends in .yaml/.yml. */
export function parsePolicyText(text: string, fileName: string): unknown {
  try {
    return /\.ya?ml$/i.test(fileName) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (err: unknown) {
    throw new FraudError(
      'BAD_REQUEST',
      `retrain policy refused: ${fileName} is not valid ${/\.ya?ml$/i.test(fileName) ? 'YAML' : 'JSON'} ` +
        `(${err instanceof Error ? err.message : String(err)}). The previous policy stays in force.`,
      { cause: err },
    );
  }
}
