import { describe, expect, it } from 'vitest';
import type { Transaction } from '@fraud/schemas';
import { seededRandom } from '@fraud/common/testing';
import {
  compileFeatureSpec,
  entityCopiesOf,
  lookupsOf,
  parseFeatureSpec,
  sliceOf,
  type FeatureViews,
  partitionOf,
  type CompiledFeatureSpec,
  type LabelEvent,
  type SpecState,
} from '../../src/features/index.ts';
import { everyOpSpec, randomPayments } from './spec-helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface OnlineRun {
  partitions: number;
  /** Feed the views past the barrier (transactions up to 2 h, labels up to 2 d). */
  ahead: boolean;
  seed: number;
  /** Feed labels at all (false: the sensitivity check). */
  labels?: boolean;
  /**
   * Entity state partitioned by key over this many owners (the scorer's partitioned mode): each
   * owner holds only the copies of its keys (addEntityEvent), and each batch computes with a
   * private view filled from the owners' slices of its keys (lookupsOf, sliceOf, putSlice).
   */
  owners?: number;
}

function shuffled<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/**
 * The scorer's situation: per-partition states over one set of shared views; partitions
 * interleaved at random in micro-batches (at most 1 h apart in event time); before each batch,
 * the views hold every payment before the batch's newest eventTime and every label that arrived
 * before it, fed in shuffled order, possibly further ahead (labels then reach the views before
 * their payments); origin states go through a JSON snapshot at random points.
 */
function online(c: CompiledFeatureSpec, txs: Transaction[], labels: LabelEvent[], run: OnlineRun): Float32Array {
  const rnd = seededRandom(run.seed);
  const width = c.names.length;
  const owners = run.owners;
  const views = c.createViews({ keepEvents: owners === undefined });
  const ownerViews = Array.from({ length: owners ?? 0 }, () => c.createViews());
  const feed = (tx: Transaction): void => {
    if (owners === undefined) {
      views.addTransaction(tx);
      return;
    }
    for (const copy of entityCopiesOf(views, tx))
      ownerViews[partitionOf(copy.key, owners)]?.addEntityEvent(tx, copy.field);
  };
  const inputsOf = (batch: Transaction[]) => {
    if (owners === undefined) return undefined;
    const chunk = c.chunkViews(views);
    for (const l of lookupsOf(views, batch)) {
      const owner = ownerViews[partitionOf(l.key, owners)] as FeatureViews;
      const slice = sliceOf(owner.stores[l.store]!, l.key, l.tMin, l.tMax);
      if (slice !== null) chunk.putSlice(l.store, l.key, slice);
    }
    return chunk;
  };
  const states: SpecState[] = Array.from({ length: run.partitions }, (_, p) => c.createState({ partition: p, views }));
  const queues: number[][] = Array.from({ length: run.partitions }, () => []);
  txs.forEach((tx, i) => queues[partitionOf(tx.originAccount, run.partitions)]?.push(i));
  const byArrival = [...labels].sort((a, b) => a.labeledAt - b.labeledAt);
  const out = new Float32Array(txs.length * width);
  let fed = 0;
  let labelsFed = 0;
  for (;;) {
    const heads = queues.map((q) => (q.length > 0 ? (txs[q[0] as number] as Transaction).eventTime : Infinity));
    const oldest = Math.min(...heads);
    if (oldest === Infinity) break;
    const ready = heads.flatMap((h, p) => (h <= oldest + HOUR ? [p] : []));
    const p = ready[Math.floor(rnd() * ready.length)] as number;
    const queue = queues[p] as number[];
    // A batch spans at most 30 min of event time, so no partition lags the views by more than the
    // lag allowance (6 h): beyond it, exactness is not promised (docs/features.md).
    let size = 1;
    const limit = 1 + Math.floor(rnd() * 12);
    while (
      size < limit &&
      size < queue.length &&
      (txs[queue[size] as number] as Transaction).eventTime <= oldest + HOUR / 2
    )
      size++;
    const batch = queue.splice(0, size);
    const newest = (txs[batch[batch.length - 1] as number] as Transaction).eventTime;
    const txUntil = newest + (run.ahead ? Math.floor(rnd() * 2 * HOUR) : 0);
    const chunk: Transaction[] = [];
    while (fed < txs.length && (txs[fed] as Transaction).eventTime < txUntil + (run.ahead ? 1 : 0)) {
      chunk.push(txs[fed++] as Transaction);
    }
    for (const tx of shuffled(chunk, rnd)) feed(tx);
    if (run.labels !== false) {
      const labelUntil = newest + (run.ahead ? Math.floor(rnd() * 2 * DAY) : 0);
      const lchunk: LabelEvent[] = [];
      while (labelsFed < byArrival.length && (byArrival[labelsFed] as LabelEvent).labeledAt < labelUntil) {
        lchunk.push(byArrival[labelsFed++] as LabelEvent);
      }
      for (const l of shuffled(lchunk, rnd)) views.addLabel(l);
    }
    const payments = batch.map((i) => txs[i] as Transaction);
    // Partitioned: the batch's own payments reach the owners before its lookups (the scorer
    // writes them to entity-events first); a shared view gets them when the batch folds them in.
    if (owners !== undefined) for (const tx of payments) feed(tx);
    const rows = c.compute(payments, states[p] as SpecState, undefined, inputsOf(payments));
    batch.forEach((i, k) => out.set(rows.subarray(k * width, (k + 1) * width), i * width));
    if (rnd() < 0.1) states[p] = c.restoreState(JSON.parse(JSON.stringify((states[p] as SpecState).snapshot())), views);
  }
  return out;
}

function firstDifference(c: CompiledFeatureSpec, a: Float32Array, b: Float32Array): string | null {
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      return `row ${Math.floor(i / c.names.length)} ${c.names[i % c.names.length]}: ${a[i]} vs ${b[i]}`;
    }
  }
  return null;
}

describe('every operation: online equals offline bit for bit', () => {
  const { txs, labels } = randomPayments(7, 2500, 12);

  for (const bounds of [{}, { maxEvents: 6, maxDistinct: 3 }]) {
    const c = compileFeatureSpec(parseFeatureSpec(everyOpSpec(bounds)));
    const offline = c.computeFile(txs, labels);
    const saturated = bounds.maxEvents === undefined ? 'default bounds' : 'saturated (6 events, 3 values)';

    it(`${saturated}: the offline matrix is not trivial`, () => {
      const col = (name: string): number[] => {
        const j = c.names.indexOf(name);
        return Array.from({ length: txs.length }, (_, i) => offline.data[i * c.names.length + j] as number);
      };
      expect(Math.max(...col('t_fraud_1d'))).toBeGreaterThan(0);
      expect(Math.max(...col('c_count_all'))).toBeGreaterThan(5);
      expect(col('t_new_cust').filter((x) => x === 0).length).toBeGreaterThan(0);
      expect(col('country_freq').some((x) => x > 0 && x < 1)).toBe(true);
    });

    for (const partitions of [1, 4]) {
      for (const ahead of [false, true]) {
        it(`${saturated}, ${partitions} partition(s), views fed ${ahead ? 'ahead' : 'to the barrier'}`, () => {
          for (const seed of [1, 2]) {
            const got = online(c, txs, labels, { partitions, ahead, seed });
            expect(firstDifference(c, offline.data, got)).toBeNull();
          }
        });
        const fed = ahead ? 'ahead' : 'to the barrier';
        it(`${saturated}, ${partitions} partition(s), entity state on 3 owners, fed ${fed}`, () => {
          for (const seed of [1, 2]) {
            const got = online(c, txs, labels, { partitions, ahead, seed, owners: 3 });
            expect(firstDifference(c, offline.data, got)).toBeNull();
          }
        });
      }
    }
  }

  it('the comparison is sensitive: without the labels, label features differ', () => {
    const c = compileFeatureSpec(parseFeatureSpec(everyOpSpec()));
    const got = online(c, txs, [], { partitions: 4, ahead: true, seed: 3, labels: false });
    expect(firstDifference(c, c.computeFile(txs, labels).data, got)).toMatch(/fraud/);
  });

  it('the partitioned comparison is sensitive: owners missing a key partition give different rows', () => {
    const c = compileFeatureSpec(parseFeatureSpec(everyOpSpec()));
    const views = c.createViews({ keepEvents: false });
    const batch = txs.slice(400, 410);
    const owner = c.createViews();
    // Only the destination copies: the terminal and device stores stay empty.
    for (const tx of txs.slice(0, 410)) owner.addEntityEvent(tx, 'destAccount');
    const chunk = c.chunkViews(views);
    for (const l of lookupsOf(views, batch)) {
      const slice = sliceOf(owner.stores[l.store]!, l.key, l.tMin, l.tMax);
      if (slice !== null) chunk.putSlice(l.store, l.key, slice);
    }
    const offline = c.computeFile(txs.slice(0, 410));
    const state = c.createState();
    c.compute(txs.slice(0, 400), state);
    const got = c.compute(batch, state, undefined, chunk);
    expect(got.length).toBe(10 * c.names.length);
    expect(firstDifference(c, offline.data.subarray(400 * c.names.length), got)).toMatch(/^row \d+ t_/);
  });

  it('labels in any order give the same offline matrix', () => {
    const c = compileFeatureSpec(parseFeatureSpec(everyOpSpec()));
    const a = c.computeFile(txs, labels);
    const b = c.computeFile(txs, [...labels].reverse());
    expect(firstDifference(c, a.data, b.data)).toBeNull();
  });
});
