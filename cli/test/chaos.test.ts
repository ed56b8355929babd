import { describe, expect, it } from 'vitest';
import { runChaos } from '../src/chaos/run-chaos.ts';

/**
 * The short version of `npm run chaos`: real processes (two scorers, the warehouse sink), a
 * private broker restarted once, SIGKILLs at moments spread over the run; then everything is
 * read back. Nothing lost, nothing doubled, the warehouse holds exactly the distinct txIds.
 */
describe('chaos (short)', () => {
  it('loses and duplicates nothing under SIGKILLs and a broker restart, synchronous decisions included', async () => {
    const r = await runChaos({
      transactions: 8_000,
      kills: 3,
      brokerRestarts: 1,
      scorers: 2,
      seed: 13,
      syncRate: 20,
      log: (s) => console.log(s),
    });
    // The simulation's 8,000, and the synchronous payments the owners wrote beside them.
    expect(r.transactions).toBeGreaterThanOrEqual(8_000 + r.sync_answered);
    expect(r.sync_answered).toBeGreaterThan(0);
    expect(r.sync_answered_lost).toBe(0);
    expect(r.sync_answered_doubled).toBe(0);
    expect(r.sync_answered_other_decision).toBe(0);
    expect(r.lost_ids).toEqual([]);
    expect(r.lost).toBe(0);
    expect(r.duplicates, `doubled: ${JSON.stringify(r.duplicate_samples, null, 1)}; logs in ${r.work_dir}`).toBe(0);
    expect(r.scored + r.dlq).toBe(r.transactions);
    expect(r.dlq, 'the simulator emits only valid transactions').toBe(0);
    expect(r.kills).toBe(3);
    expect(r.broker_restarts).toBe(1);
    expect(r.warehouse_rows).toBe(r.warehouse_distinct);
    expect(r.warehouse_distinct).toBe(r.scored);
    expect(r.labels_in_warehouse).toBe(r.labels_on_topic);
    expect(r.labels_on_topic).toBeGreaterThan(0);
  }, 900_000);
});
