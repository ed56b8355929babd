import { FraudError } from '@fraud/common';
import { validateRetrainPolicy, type RetrainPolicy } from '@fraud/retrainer/policy';

/**
 * The console's retrain-policy edit: JSON text, checked with the retrainer's own schema before it
 * is published, so a bad edit is refused here with the field named (a retrainer would refuse it
 * too, but only in its log). What is published is the complete, validated policy with the audit
 * fields set.
 */
export function parseRetrainPolicyText(text: string, actor: string, now = Date.now()): RetrainPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    throw new FraudError('BAD_REQUEST', `retrain policy is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FraudError('BAD_REQUEST', 'retrain policy must be a JSON object');
  return validateRetrainPolicy({ ...(value as Record<string, unknown>), updatedBy: actor, updatedAt: now });
}
