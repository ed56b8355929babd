import { z } from 'zod';

/**
 * The `control` topic (compacted, JSON values, keyed by kind): live settings that every
 * instance of a service must apply without a restart. Latest record per key wins.
 * - key "decision-policy": DecisionPolicy, read by every scorer.
 * - key "retrain-policy": read by the retrainer (its schema lives in retrainer/).
 * - key "rule-set": the RuleSet in force, read by every scorer; "rule-set@N" keeps version N for
 *   rollback (see rule-set.ts).
 * JSON rather than Avro because these are internal, low-volume, and validated with zod here.
 */
export const CONTROL_KEYS = {
  decisionPolicy: 'decision-policy',
  retrainPolicy: 'retrain-policy',
  ruleSet: 'rule-set',
} as const;

export const decisionPolicySchema = z
  .object({
    /** Overrides of the model's thresholds; null = use the model's metadata. */
    reviewThreshold: z.number().min(0).max(1).nullable().default(null),
    blockThreshold: z.number().min(0).max(1).nullable().default(null),
    /** Accounts (origin or destination) always approved / always blocked. */
    allowList: z.array(z.string().min(1).max(64)).max(100_000).default([]),
    blockList: z.array(z.string().min(1).max(64)).max(100_000).default([]),
    /** Simple rules: any TRANSFER above this amount (minor units) is at least REVIEW; null = off. */
    reviewAmountOver: z.number().int().positive().nullable().default(null),
    updatedBy: z.string().max(128).default('system'),
    updatedAt: z.number().int().nonnegative().default(0),
  })
  .refine((p) => p.reviewThreshold === null || p.blockThreshold === null || p.reviewThreshold <= p.blockThreshold, {
    message: 'reviewThreshold must be <= blockThreshold',
    path: ['reviewThreshold'],
  });
export type DecisionPolicy = z.infer<typeof decisionPolicySchema>;
