import { describe, expect, it } from 'vitest';
import { instanceFigures, meetsGoal, metricValue, share } from '../lib/scale-report.ts';

const metrics = (input: number, view: number, origin: number, cpu: number) => `# HELP x
fraud_scorer_records_decoded_total{service="scorer",source="input"} ${input}
fraud_scorer_records_decoded_total{service="scorer",source="view"} ${view}
fraud_scorer_records_decoded_total{service="scorer",source="label_view"} 0
fraud_scorer_records_decoded_total{service="scorer",source="repartition"} ${input}
fraud_scorer_records_decoded_total{service="scorer",source="entity"} ${input / 2}
fraud_scorer_state_bytes{service="scorer",kind="origin"} ${origin}
fraud_scorer_state_bytes{service="scorer",kind="view"} 1000
process_cpu_seconds_total{service="scorer"} ${cpu}
`;

describe('bench scale report', () => {
  it('reads a sample by name and labels, summing when several match', () => {
    const text = metrics(10, 30, 500, 2);
    expect(metricValue(text, 'fraud_scorer_records_decoded_total', { source: 'view' })).toBe(30);
    expect(metricValue(text, 'fraud_scorer_records_decoded_total')).toBe(55);
    expect(metricValue(text, 'fraud_scorer_records_decoded')).toBe(0);
    expect(metricValue(text, 'fraud_scorer_state_bytes', { kind: 'labels' })).toBe(0);
  });

  it("takes an instance's figures at the end, CPU as the difference from before publishing", () => {
    const f = instanceFigures(metrics(0, 0, 0, 3), metrics(100, 300, 500, 10.5));
    expect(f.decoded).toEqual({
      input: 100,
      view: 300,
      label_view: 0,
      restore: 0,
      repartition: 100,
      entity: 50,
      total: 550,
    });
    expect(f.state_bytes).toEqual({ origin: 500, view: 1000, labels: 0, total: 1500 });
    expect(f.cpu_seconds).toBe(7.5);
    expect(f.cpu_seconds_process).toBe(10.5);
    expect(f.heap_used_after_gc_bytes).toBeNull();
  });

  it('shares: mean per instance over the single instance; 1/N when the work splits, 1 when it is repeated', () => {
    const one = [{ input: 300, view: 300 }];
    const three = [
      { input: 100, view: 300 },
      { input: 120, view: 300 },
      { input: 80, view: 300 },
    ];
    expect(share(one, three, (i) => i.input)).toBe(0.333);
    expect(share(one, three, (i) => i.view)).toBe(1);
    expect(share(one, three, (i) => i.input + i.view)).toBe(0.667);
    expect(share([{ x: 0 }], [{ x: 1 }], (i) => i.x)).toBeNaN();
    expect(meetsGoal(0.43, 3)).toBe(true);
    expect(meetsGoal(0.667, 3)).toBe(false);
  });
});
