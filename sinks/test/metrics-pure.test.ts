import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createBusinessMetrics } from '../src/metrics/business-metrics.ts';
import { ConfusionWindow } from '../src/metrics/confusion-window.ts';
import { JoinCache } from '../src/metrics/join-cache.ts';
import { labelRecord, scoredRecord } from './fixtures.ts';

async function value(reg: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values as { value: number; labels: Record<string, string | number> }[] | undefined)?.find((x) =>
    Object.entries(labels).every(([k, l]) => String(x.labels[k]) === l),
  );
  return v?.value;
}

describe('JoinCache', () => {
  it('evicts the oldest entries beyond capacity', () => {
    const c = new JoinCache(2);
    c.set('a', { decision: 'APPROVE', eventTime: 1, amount: 1 });
    c.set('b', { decision: 'BLOCK', eventTime: 2, amount: 2 });
    c.set('a', { decision: 'REVIEW', eventTime: 1, amount: 1 }); // refresh a: b is now the oldest
    c.set('c', { decision: 'APPROVE', eventTime: 3, amount: 3 });
    expect(c.size).toBe(2);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')?.decision).toBe('REVIEW');
  });
});

describe('ConfusionWindow', () => {
  it('computes precision, recall and FPR over the window and forgets old entries', () => {
    const w = new ConfusionWindow(1000);
    w.add('tp', 0);
    w.add('fp', 100);
    w.add('fn', 900);
    w.add('tn', 950);
    w.add('tn', 950);
    expect(w.snapshot(950)).toMatchObject({
      tp: 1,
      fp: 1,
      fn: 1,
      tn: 2,
      precision: 0.5,
      recall: 0.5,
      falsePositiveRate: 1 / 3,
    });
    expect(w.snapshot(1050)).toMatchObject({ tp: 0, fp: 1, precision: 0, recall: 0 }); // tp at t=0 expired
    expect(w.snapshot(5000)).toMatchObject({ precision: null, recall: null, falsePositiveRate: null });
  });
});

describe('business metrics', () => {
  it('counts decisions, amounts, labels, typologies and joins labels to decisions', async () => {
    const reg = new Registry();
    let now = 1_000_000;
    const m = createBusinessMetrics({ registry: reg, windowMs: 60_000, joinCacheSize: 100, now: () => now });
    const recs = Array.from({ length: 30 }, (_, i) => scoredRecord('bm', i));
    recs.forEach((r) => m.onScored(r));
    const blocked = recs.filter((r) => r.decision === 'BLOCK');
    const approved = recs.filter((r) => r.decision === 'APPROVE');
    expect(await value(reg, 'fraud_amount_blocked_minor_total', { currency: 'USD' })).toBe(
      blocked.reduce((a, r) => a + r.transaction.amount, 0),
    );
    expect(await value(reg, 'fraud_amount_approved_minor_total', { currency: 'USD' })).toBe(
      approved.reduce((a, r) => a + r.transaction.amount, 0),
    );
    expect(await value(reg, 'fraud_decisions_total', { decision: 'BLOCK', type: blocked[0]!.transaction.type })).toBe(
      blocked.filter((r) => r.transaction.type === blocked[0]!.transaction.type).length,
    );
    expect(await value(reg, 'fraud_model_info', { version: 'm-1' })).toBe(1);

    // fraud = the flagged ones with even index plus one approved: tp, fp, fn, tn all present
    const flagged = recs.filter((r) => r.decision !== 'APPROVE');
    const truth = new Map(
      recs.map((r, i) => [r.transaction.txId, (r.decision !== 'APPROVE' && i % 2 === 0) || r === approved[0]]),
    );
    recs.forEach((r, i) => m.onLabel(labelRecord('bm', i, truth.get(r.transaction.txId)!)));
    m.onLabel(labelRecord('other', 1, true));
    now += 1000;
    const tp = flagged.filter((r) => truth.get(r.transaction.txId)).length;
    const fp = flagged.length - tp;
    expect(await value(reg, 'fraud_live_precision')).toBeCloseTo(tp / (tp + fp));
    expect(await value(reg, 'fraud_live_recall')).toBeCloseTo(tp / (tp + 1));
    expect(await value(reg, 'fraud_live_false_positive_rate')).toBeCloseTo(fp / (fp + approved.length - 1));
    expect(await value(reg, 'fraud_labels_unmatched_total')).toBe(1);
    expect(await value(reg, 'fraud_typology_total', { typology: 'account-takeover' })).toBe(tp + 2);
    expect(await value(reg, 'fraud_amount_missed_minor_total')).toBe(approved[0]!.transaction.amount);
    const delay = (await reg.getMetricsAsJSON()).find((x) => x.name === 'fraud_label_delay_seconds')!;
    const count = (delay.values as { metricName?: string; value: number }[]).find(
      (v) => v.metricName === 'fraud_label_delay_seconds_count',
    )!.value;
    expect(count).toBe(30);
    now += 120_000; // window passed: no labelled decisions, no ratio
    expect(await value(reg, 'fraud_live_precision')).toBeNaN();
  });

  it('switches fraud_model_info to the newest version', async () => {
    const reg = new Registry();
    const m = createBusinessMetrics({ registry: reg, windowMs: 60_000, joinCacheSize: 10 });
    m.onScored(scoredRecord('v', 1));
    m.onScored(scoredRecord('v', 2, { modelVersion: 'm-2' }));
    expect(await value(reg, 'fraud_model_info', { version: 'm-2' })).toBe(1);
    expect(await value(reg, 'fraud_model_info', { version: 'm-1' })).toBeUndefined();
  });
});
