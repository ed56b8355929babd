import { describe, expect, it } from 'vitest';
import { TRANSACTION_TYPES, type Transaction } from '@fraud/schemas';
import {
  computeFeatures,
  createDestinationView,
  createFeatureState,
  DAY_MS,
  HOUR_MS,
  FEATURE_INDEX,
  featuresForFile,
  NUM_FEATURES,
  partitionOf,
  restoreFeatureState,
  type DestinationView,
  type FeatureState,
} from '../../src/features/index.ts';
import { rng, sameFloats, tx } from './helpers.ts';

const MIN = 60_000;
const H = HOUR_MS;
const T0 = Date.UTC(2026, 0, 1);
const OPTS = { maxEventsPerAccount: 64, maxPayees: 8 };

/** A random ~3-day history: few accounts so windows, payees and fan-in all get exercised. */
function history(seed: number, n: number): Transaction[] {
  const r = rng(seed);
  const out: Transaction[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.7) t += Math.floor(r() * 0.05 * H); // ties happen (PaySim has whole-hour steps)
    const dest = r() < 0.3 ? `M${Math.floor(r() * 15)}` : `C${Math.floor(r() * 60)}`;
    out.push(
      tx({
        id: `tx${i}`,
        t,
        type: TRANSACTION_TYPES[Math.floor(r() * 5)] ?? 'PAYMENT',
        amount: Math.floor(r() * 1e6),
        orig: `C${Math.floor(r() * 80)}`,
        ob: r() < 0.2 ? 0 : Math.floor(r() * 2e6),
        dest,
        db: r() < 0.3 ? 0 : Math.floor(r() * 2e6),
      }),
    );
  }
  return out;
}

/**
 * How the shared view is fed before a partition computes a batch whose newest eventTime is T
 * (the scorer's barrier: the view holds every event before T).
 * - 'file-order': exactly the rows with eventTime < T, in file order.
 * - 'ahead': each partition's feed, visited in random order, reads to a random point between T
 *   and T + 30 min inclusive, so the view holds same-eventTime and later rows, added out of
 *   eventTime order across partitions.
 * - 'none': no feed; the view only gets what the partitions' own computeFeatures add (not a
 *   valid setup with several partitions: the negative control).
 */
type Feeder = 'file-order' | 'ahead' | 'none';

interface OnlineOptions {
  numPartitions: number;
  seed: number;
  feeder: Feeder;
  /** Rows per micro-batch: 1 ... maxBatch. */
  maxBatch: number;
  /**
   * 'random': any partition with rows left computes next, so one can fall hours behind the
   * others. 'oldest-first': the partition with the oldest pending row, its batch cut at 20 min
   * of event time (a scorer in steady state).
   */
  schedule: 'random' | 'oldest-first';
  /** Options of the shared view (default: the feature options and the default lag allowance). */
  view?: { lagAllowanceMs?: number; maxEventsPerAccount?: number };
}

interface OnlineRun {
  data: Float32Array;
  view: DestinationView;
  batches: number;
  restores: number;
  /** Batches computed while the view already held an event after the batch's newest. */
  aheadBatches: number;
  /** Largest distance from the view's newest event back to a row being computed. */
  maxLagMs: number;
}

/**
 * One scorer instance: a state per partition (routed like the publishers key the topic) sharing
 * one view, each partition consumed in random micro-batches, partitions interleaved at random,
 * origin state snapshotted and restored through JSON at random points.
 */
function online(txs: readonly Transaction[], o: OnlineOptions): OnlineRun {
  const { numPartitions, feeder, maxBatch } = o;
  const r = rng(o.seed);
  const view = createDestinationView({ ...OPTS, ...o.view });
  const states: FeatureState[] = Array.from({ length: numPartitions }, (_, p) =>
    createFeatureState({ ...OPTS, partition: p, view }),
  );
  const byPartition: number[][] = states.map(() => []);
  txs.forEach((x, i) => byPartition[partitionOf(x.originAccount, numPartitions)]?.push(i));
  const consumed = byPartition.map(() => 0);
  const fed = byPartition.map(() => 0);
  let fedInFileOrder = 0;

  const feedUpTo = (T: number): void => {
    if (feeder === 'file-order') {
      while (fedInFileOrder < txs.length && (txs[fedInFileOrder] as Transaction).eventTime < T)
        view.add(txs[fedInFileOrder++] as Transaction);
    } else if (feeder === 'ahead') {
      const order = byPartition.map((_, p) => ({ p, k: r() })).sort((a, b) => a.k - b.k);
      for (const { p } of order) {
        const idx = byPartition[p] as number[];
        const limit = T + (r() < 0.5 ? 30 * MIN : Math.floor(r() * 30 * MIN));
        while (
          (fed[p] as number) < idx.length &&
          (txs[idx[fed[p] as number] as number] as Transaction).eventTime <= limit
        ) {
          view.add(txs[idx[fed[p] as number] as number] as Transaction);
          fed[p] = (fed[p] as number) + 1;
        }
      }
    }
  };

  const nextTime = (p: number): number => {
    const i = byPartition[p]?.[consumed[p] as number];
    return i === undefined ? Infinity : (txs[i] as Transaction).eventTime;
  };
  const run: OnlineRun = {
    data: new Float32Array(txs.length * NUM_FEATURES),
    view,
    batches: 0,
    restores: 0,
    aheadBatches: 0,
    maxLagMs: 0,
  };
  for (;;) {
    const pending = byPartition.map((_, p) => p).filter((p) => nextTime(p) < Infinity);
    if (pending.length === 0) break;
    const p =
      o.schedule === 'random'
        ? (pending[Math.floor(r() * pending.length)] as number)
        : pending.reduce((best, q) => (nextTime(q) < nextTime(best) ? q : best));
    const from = consumed[p] as number;
    let batch = (byPartition[p] as number[]).slice(from, from + 1 + Math.floor(r() * maxBatch));
    if (o.schedule === 'oldest-first')
      batch = batch.filter((i) => (txs[i] as Transaction).eventTime - nextTime(p) <= 20 * MIN);
    consumed[p] = from + batch.length;
    const rows = batch.map((i) => txs[i] as Transaction);
    const newest = Math.max(...rows.map((x) => x.eventTime));
    feedUpTo(newest);
    if (view.watermark > newest) run.aheadBatches++;
    run.maxLagMs = Math.max(run.maxLagMs, view.watermark - (rows[0] as Transaction).eventTime);
    const out = computeFeatures(rows, states[p] as FeatureState);
    batch.forEach((i, j) => run.data.set(out.subarray(j * NUM_FEATURES, (j + 1) * NUM_FEATURES), i * NUM_FEATURES));
    run.batches++;
    if (r() < 0.1) {
      states[p] = restoreFeatureState(JSON.parse(JSON.stringify((states[p] as FeatureState).snapshot())), view);
      run.restores++;
    }
  }
  return run;
}

/** Rows with an earlier row of the same eventTime and destination from another partition. */
function crossPartitionTies(txs: readonly Transaction[], numPartitions: number): number {
  let n = 0;
  for (let i = 1; i < txs.length; i++) {
    const x = txs[i] as Transaction;
    for (let j = i - 1; j >= 0 && (txs[j] as Transaction).eventTime === x.eventTime; j--) {
      const y = txs[j] as Transaction;
      if (
        y.destAccount === x.destAccount &&
        partitionOf(y.originAccount, numPartitions) !== partitionOf(x.originAccount, numPartitions)
      ) {
        n++;
        break;
      }
    }
  }
  return n;
}

/**
 * A lookup that lags the view's newest event is exact only within the view's lag allowance and
 * while the destination's event cap still holds everything back to t - retention (view.ts;
 * both limits are tested in view.test.ts). The random schedule lets a partition fall a day
 * behind, so its view gets room for that; the steady-state runs keep the model's cap.
 */
const ROOMY_VIEW = { lagAllowanceMs: 7 * DAY_MS, maxEventsPerAccount: 100_000 };

/** The largest 24 h inbound count: below the cap, so the cap never decides a feature offline. */
function maxDestCount24h(data: Float32Array): number {
  let m = 0;
  for (let i = FEATURE_INDEX.dest_in_count_24h; i < data.length; i += NUM_FEATURES) m = Math.max(m, data[i] ?? 0);
  return m;
}

describe('online micro-batches over partitions equal offline whole-file features', () => {
  for (const numPartitions of [1, 4]) {
    for (const feeder of ['file-order', 'ahead'] as const) {
      it(`${numPartitions} partition(s), view fed ${feeder}, any split or interleaving, JSON snapshot/restore`, () => {
        const txs = history(7 + numPartitions, 4000);
        const offline = featuresForFile(txs, OPTS);
        // the history exercises the destination features and the strictly-before rule
        const destCounts = Array.from(
          { length: txs.length },
          (_, i) => offline.data[i * NUM_FEATURES + FEATURE_INDEX.dest_in_count_24h] ?? 0,
        );
        expect(destCounts.filter((c) => c > 0).length).toBeGreaterThan(3000);
        expect(crossPartitionTies(txs, 4)).toBeGreaterThan(10);
        expect(maxDestCount24h(offline.data)).toBeLessThan(OPTS.maxEventsPerAccount);
        for (let trial = 0; trial < 3; trial++) {
          const run = online(txs, {
            numPartitions,
            seed: 99 + trial,
            feeder,
            maxBatch: trial === 0 ? 3 : 200,
            schedule: 'random',
            view: ROOMY_VIEW,
          });
          expect(sameFloats(run.data, offline.data), `trial ${trial}`).toBe(true);
          expect(run.restores).toBeGreaterThan(0);
          // the partitions re-offer rows the feed already added (or the reverse)
          expect(run.view.duplicates).toBeGreaterThan(0);
          if (feeder === 'ahead') expect(run.aheadBatches).toBeGreaterThan(run.batches / 2);
        }
      });
    }
  }

  it("steady state, tight view (1 h lag allowance, the model's event cap): feed 30 min ahead, 4 partitions", () => {
    const txs = history(13, 4000);
    const offline = featuresForFile(txs, OPTS);
    for (let trial = 0; trial < 3; trial++) {
      const run = online(txs, {
        numPartitions: 4,
        seed: 7 + trial,
        feeder: 'ahead',
        maxBatch: 50,
        schedule: 'oldest-first',
        view: { lagAllowanceMs: HOUR_MS },
      });
      expect(run.maxLagMs).toBeLessThanOrEqual(HOUR_MS);
      expect(run.maxLagMs).toBeGreaterThan(30 * MIN);
      expect(run.restores).toBeGreaterThan(0);
      expect(sameFloats(run.data, offline.data), `trial ${trial}`).toBe(true);
      // and memory stayed bounded: about 26 h of a ~70 h history
      expect(run.view.size().events).toBeLessThan(txs.length / 2);
    }
  });

  it("without the view feed, 4 partitions miss other partitions' inbounds (the comparison is sensitive)", () => {
    const txs = history(11, 4000);
    const offline = featuresForFile(txs, OPTS);
    const alone = (numPartitions: number) =>
      online(txs, { numPartitions, seed: 5, feeder: 'none', maxBatch: 50, schedule: 'random', view: ROOMY_VIEW }).data;
    expect(sameFloats(alone(1), offline.data)).toBe(true); // one partition sees everything itself
    const four = alone(4);
    expect(sameFloats(four, offline.data)).toBe(false);
    // and only destination columns differ
    for (let i = 0; i < txs.length; i++) {
      for (let j = 0; j < FEATURE_INDEX.dest_in_count_1h; j++) {
        expect(Object.is(four[i * NUM_FEATURES + j], offline.data[i * NUM_FEATURES + j]), `row ${i} col ${j}`).toBe(
          true,
        );
      }
    }
  });

  it('features do not depend on the partition count: one offline matrix serves 1, 2, 3, 4 and 7 partitions', () => {
    const txs = history(3, 3000);
    const offline = featuresForFile(txs, OPTS);
    for (const n of [1, 2, 3, 4, 7]) {
      for (const schedule of ['random', 'oldest-first'] as const) {
        const run = online(txs, {
          numPartitions: n,
          seed: 40 + n,
          feeder: 'ahead',
          maxBatch: 40,
          schedule,
          view: schedule === 'random' ? ROOMY_VIEW : {},
        });
        expect(sameFloats(run.data, offline.data), `${n} partitions, ${schedule}`).toBe(true);
      }
    }
  });
  it('a snapshot restored onto the shared view continues exactly like the original', () => {
    const txs = history(5, 1000);
    const a = createFeatureState();
    computeFeatures(txs.slice(0, 600), a);
    const b = restoreFeatureState(JSON.parse(JSON.stringify(a.snapshot())), a.view);
    expect(b.view).toBe(a.view);
    expect(b.size()).toEqual(a.size());
    const fromA = computeFeatures(txs.slice(600), a);
    // b reads a view that now also holds rows 600.. (after each row's eventTime or at it): ignored
    const before = a.view.duplicates;
    const fromB = computeFeatures(txs.slice(600), b);
    expect(a.view.duplicates - before).toBe(400);
    expect(sameFloats(fromA, fromB)).toBe(true);
  });

  it('restore without a view starts an empty private one: origin features go on, destination history is gone', () => {
    const txs = history(5, 1000);
    const a = createFeatureState();
    computeFeatures(txs.slice(0, 600), a);
    const b = restoreFeatureState(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.view).not.toBe(a.view);
    expect(b.view.size()).toEqual({ destinations: 0, events: 0 });
    const next = txs.slice(600, 601);
    const ra = computeFeatures(next, a);
    const rb = computeFeatures(next, b);
    expect(
      sameFloats(ra.subarray(0, FEATURE_INDEX.dest_in_count_1h), rb.subarray(0, FEATURE_INDEX.dest_in_count_1h)),
    ).toBe(true);
    expect(rb[FEATURE_INDEX.dest_in_count_24h]).toBe(0);
    expect(ra[FEATURE_INDEX.dest_in_count_24h]).toBeGreaterThan(0);
  });

  it('restore rejects a snapshot of another format with RECORD_INVALID', () => {
    expect(() => restoreFeatureState({ format: 'x' })).toThrow(/snapshot is invalid/);
    const snap = createFeatureState().snapshot();
    expect(() => restoreFeatureState({ ...snap, origins: [['C1', 'bad']] })).toThrow(/origin entry C1/);
  });
});
