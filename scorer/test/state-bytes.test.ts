import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { fsV2Spec, type SpecState } from '@fraud/model';
import { createScorerMetrics } from '../src/metrics.ts';
import type { SpecStates } from '../src/ports.ts';
import {
  ORIGIN_KEY_OVERHEAD,
  VIEW_KEY_OVERHEAD,
  estimateStateBytes,
  estimateStateBytesSliced,
  stringBytes,
} from '../src/state-bytes.ts';
import { tx } from './fakes.ts';

/** Two partitions of fs-v2 sharing one view, fed six payments: 3 origins, 2 destinations. */
function twoPartitions(): { p0: SpecStates; p1: SpecStates; states: SpecState[] } {
  const spec = fsV2Spec();
  const views = spec.createViews();
  const s0 = spec.createState({ partition: 0, views });
  const s1 = spec.createState({ partition: 1, views });
  const txs = Array.from({ length: 6 }, (_, i) => tx(i));
  spec.compute(
    txs.filter((t) => t.originAccount === 'C0'),
    s0,
  );
  spec.compute(
    txs.filter((t) => t.originAccount !== 'C0'),
    s1,
  );
  return { p0: new Map([[spec.hash, s0]]), p1: new Map([[spec.hash, s1]]), states: [s0, s1] };
}

describe('state bytes estimate', () => {
  it('counts a one-byte string as a 16-byte header and its characters rounded up to 8', () => {
    expect(stringBytes(null)).toBe(0);
    expect(stringBytes('')).toBe(16);
    expect(stringBytes('C1')).toBe(24);
    expect(stringBytes('12345678')).toBe(24);
    expect(stringBytes('123456789')).toBe(32);
  });

  it('adds origins per partition, counts the shared view once, and ignores states it does not know', () => {
    const { p0, p1, states } = twoPartitions();
    const one = estimateStateBytes([p0]);
    const both = estimateStateBytes([p0, p1, new Map([['other', { not: 'a spec state' }]])]);
    expect(states[0]!.origins.size).toBe(1);
    expect(states[1]!.origins.size).toBe(2);
    expect(both.origin).toBeGreaterThan(one.origin);
    expect(both.origin).toBeGreaterThanOrEqual(3 * ORIGIN_KEY_OVERHEAD);
    expect(one.view).toBe(both.view);
    // 2 destinations, 3 events each: 4 numbers and 2 strings (txId, origin) per event.
    const events = 6 * (4 * 8 + stringBytes('tx-0') + stringBytes('C0'));
    expect(both.view).toBe(2 * (VIEW_KEY_OVERHEAD + stringBytes('C-dest-0')) + events);
    expect(both.labels).toBe(0);
  });

  it('reaches fraud_scorer_state_bytes for the tracked tasks only', async () => {
    const { p0, p1 } = twoPartitions();
    const registry = new Registry();
    const metrics = createScorerMetrics(registry);
    metrics.states.track(0, p0);
    metrics.states.track(1, p1);
    metrics.states.untrack(1, new Map()); // a stale task's untrack leaves the newer states
    const origin = async () =>
      (await registry.getSingleMetric('fraud_scorer_state_bytes')!.get()).values.find(
        (v) => v.labels.kind === 'origin',
      )!.value;
    expect(await origin()).toBe(estimateStateBytes([p0, p1]).origin);
  });

  it('walks thousands of keys in slices that give the event loop back, to the same bytes', async () => {
    const spec = fsV2Spec();
    const state = spec.createState({ partition: 0, views: spec.createViews() });
    spec.compute(
      Array.from({ length: 6_000 }, (_, i) =>
        tx(i, { eventTime: Date.UTC(2025, 0, 1) + i * 1_000, originAccount: `C${i}`, destAccount: `M${i}` }),
      ),
      state,
    );
    const states = new Map([[spec.hash, state]]);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const sliced = await estimateStateBytesSliced([states], [], 0);
    clearInterval(ticker);
    expect(sliced).toEqual(estimateStateBytes([states]));
    expect(state.origins.size).toBeGreaterThan(4 * 512);
    expect(sliced.origin).toBeGreaterThan(state.origins.size * ORIGIN_KEY_OVERHEAD);
    // Slices of 512 keys, a turn of the loop after each: timers ran while it walked.
    expect(turns).toBeGreaterThan(0);
  });
});
