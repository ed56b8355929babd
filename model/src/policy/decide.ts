import type { Decision } from '@fraud/schemas';
import type { Thresholds } from '../api.ts';

/**
 * The decision policy, pure: BLOCK at or above the block threshold, REVIEW at or above the
 * review threshold, APPROVE below. review <= block always (enforced where thresholds are made).
 */
export function decide(score: number, thresholds: Thresholds): Decision {
  if (score >= thresholds.block) return 'BLOCK';
  if (score >= thresholds.review) return 'REVIEW';
  return 'APPROVE';
}
