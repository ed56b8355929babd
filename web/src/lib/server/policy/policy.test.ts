import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from '@fraud/kafka';
import { parsePolicyForm } from './policy-form.ts';
import { createControlState } from './control-state.ts';
import { parseRetrainPolicyText } from './retrain-form.ts';

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
const msg = (key: string, value: unknown): KafkaMessage =>
  ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(JSON.stringify(value)) }) as KafkaMessage;

describe('policy form', () => {
  it('parses thresholds, de-duplicated lists and the amount rule', () => {
    expect(
      parsePolicyForm(
        form({
          reviewThreshold: '0.4',
          blockThreshold: '0.9',
          allowList: 'C1\nC2, C1',
          blockList: '',
          reviewAmountOver: '500000',
        }),
      ),
    ).toEqual({
      reviewThreshold: 0.4,
      blockThreshold: 0.9,
      allowList: ['C1', 'C2'],
      blockList: [],
      reviewAmountOver: 500000,
    });
    expect(parsePolicyForm(form({})).reviewThreshold).toBeNull();
  });
  it('says what is wrong', () => {
    expect(() => parsePolicyForm(form({ reviewThreshold: '1.5' }))).toThrow(
      /reviewThreshold must be a number between 0 and 1/,
    );
    expect(() => parsePolicyForm(form({ reviewThreshold: '0.9', blockThreshold: '0.5' }))).toThrow(/must not exceed/);
    expect(() => parsePolicyForm(form({ reviewAmountOver: '-3' }))).toThrow(/positive whole number/);
  });
});

describe('control state', () => {
  it('keeps the latest value per key and honours tombstones', () => {
    const s = createControlState();
    expect(s.hasDecisionPolicy()).toBe(false);
    expect(s.decisionPolicy().reviewThreshold).toBeNull();
    s.apply(msg('decision-policy', { reviewThreshold: 0.3, blockThreshold: 0.8 }));
    s.apply(msg('decision-policy', { reviewThreshold: 0.35, blockThreshold: 0.8, updatedBy: 'root' }));
    expect(s.decisionPolicy()).toMatchObject({ reviewThreshold: 0.35, updatedBy: 'root' });
    s.apply(msg('retrain-policy', { enabled: false }));
    expect(s.retrainPolicy()).toEqual({ enabled: false });
    s.apply(msg('decision-policy', null));
    expect(s.hasDecisionPolicy()).toBe(false);
    expect(() => s.apply(msg('decision-policy', { reviewThreshold: 2 }))).toThrow();
  });
});

describe('retrain policy edit', () => {
  it('completes a partial edit with the defaults and stamps who made it', () => {
    const p = parseRetrainPolicyText('{"minNewLabels": 2000, "xgboost": {"maxDepth": 4}}', 'alice', 1_700_000_000_000);
    expect(p.minNewLabels).toBe(2000);
    expect(p.xgboost.maxDepth).toBe(4);
    expect(p.xgboost.eta).toBe(0.1);
    expect(p.updatedBy).toBe('alice');
    expect(p.updatedAt).toBe(1_700_000_000_000);
  });
  it('refuses a bad edit naming the field, and non-JSON or non-objects saying so', () => {
    expect(() => parseRetrainPolicyText('{"xgboost": {"maxDepth": 99}}', 'alice')).toThrow(/xgboost\.maxDepth/);
    expect(() => parseRetrainPolicyText('{"minNewLabel": 5}', 'alice')).toThrow(/minNewLabel/);
    expect(() => parseRetrainPolicyText('{oops', 'alice')).toThrow(/not valid JSON/);
    expect(() => parseRetrainPolicyText('[1]', 'alice')).toThrow(/must be a JSON object/);
  });
});
