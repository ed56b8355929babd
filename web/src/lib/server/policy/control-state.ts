import type { KafkaMessage } from '@fraud/kafka';
import { CONTROL_KEYS, decisionPolicySchema, type DecisionPolicy } from '@fraud/schemas';

/**
 * The latest value of each key on the `control` topic, as the console last saw it. A tombstone
 * (null value) removes the key.
 */
export interface ControlState {
  apply(message: KafkaMessage): void;
  decisionPolicy(): DecisionPolicy;
  /** True once a decision policy was read from the topic (else defaults are shown). */
  hasDecisionPolicy(): boolean;
  retrainPolicy(): Record<string, unknown> | null;
}

export function createControlState(): ControlState {
  let decision: DecisionPolicy | null = null;
  let retrain: Record<string, unknown> | null = null;
  return {
    apply(message) {
      const key = message.key?.toString();
      const raw = message.value ? (JSON.parse(message.value.toString()) as unknown) : null;
      if (key === CONTROL_KEYS.decisionPolicy) decision = raw === null ? null : decisionPolicySchema.parse(raw);
      else if (key === CONTROL_KEYS.retrainPolicy)
        retrain =
          raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
    },
    decisionPolicy: () => decision ?? decisionPolicySchema.parse({}),
    hasDecisionPolicy: () => decision !== null,
    retrainPolicy: () => retrain,
  };
}
