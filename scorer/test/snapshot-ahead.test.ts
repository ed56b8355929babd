import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fraud/common';
import type { SpecState } from '@fraud/model';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import { createKafkaEosPort } from '../src/eos/kafka-port.ts';
import { featureModule } from '../src/spec-wiring.ts';
import { serialiseSnapshot, snapshotMessages } from '../src/state-snapshot.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions } from './model-fixture.ts';
import { comparableState } from '../src/testing/state-compare.ts';

/** A decision record of `tx` at input offset `offset` of `partition`, as the stream path writes it. */
function scoredAt(tx: Transaction, partition: number, offset: number): ScoredTransaction {
  return {
    transaction: tx,
    featureSet: 'fs-v2',
    features: [0],
    score: 0.01,
    decision: 'APPROVE',
    reviewThreshold: 0.3,
    blockThreshold: 0.8,
    modelVersion: 'm-test',
    reasons: [],
    rulesFired: [],
    shadow: null,
    scoredAt: tx.eventTime,
    source: { partition, offset, publishedAt: tx.eventTime },
  };
}

/** The state as comparableState's JSON (all but lastSweep). */
const comparable = (state: SpecState): string => comparableState(state.snapshot());

/**
 * A snapshot taken while a synchronous decision X was written to `transactions` but not yet read
 * back holds X in its state and names it in `ahead`. The restore must count X once: skip it in the
 * tail of scored when the stream read it back after the snapshot, else leave it pending so the
 * stream's read-back does not count it again.
 */
describe('restore from a snapshot holding synchronous decisions ahead of its offset', () => {
  let p: Pipeline;
  const module = featureModule();
  const txs = makeTransactions(36, { seed: 3, accounts: 3 });
  const [base, x, after] = [txs.slice(0, 30), txs[30]!, txs.slice(31)];
  beforeAll(async () => {
    p = await createPipeline('snap-ahead', 4);
    const producer = p.kafka.producer();
    await producer.connect();
    for (const partition of [0, 1, 2, 3]) {
      // The stream scored `base` (offsets 0-29); the owner then decided x synchronously (offset 30).
      const decided = module.createState(partition);
      module.compute(base, decided);
      module.compute([x], decided);
      const json = serialiseSnapshot({
        partition,
        next: 30n,
        scoredFrom: 0n,
        takenAt: Date.now(),
        // Partition 3's snapshot names the spec but holds no state it can read.
        states: { [module.hash]: partition === 3 ? { format: 'not-a-state' } : module.snapshotState!(decided) },
        recent: [...base, x].map((t) => t.txId),
        ahead: [x.txId],
      });
      const packed = await snapshotMessages(p.topics.stateSnapshots, partition, json);
      if (!('messages' in packed)) throw new Error('snapshot too large');
      // Partition 0: x was read back after the snapshot, then `after` was scored. Partitions 1, 2: neither.
      const tail = partition === 0 ? [x, ...after] : [];
      const scored = [...base, ...tail].map((t, i) => ({
        partition,
        key: t.originAccount,
        value: p.codecs.scored.encode(scoredAt(t, partition, i)),
      }));
      await producer.send({ topic: p.topics.scored, acks: -1, messages: scored });
      await producer.send({
        topic: p.topics.stateSnapshots,
        acks: -1,
        messages: packed.messages.map(({ topic: _t, ...m }) => m),
      });
    }
    await producer.disconnect();
    // The committed offsets the scorer wrote with them; partition 2's were moved back by hand.
    await p.admin.admin.setOffsets({
      groupId: p.groupId,
      topic: p.topics.transactions,
      partitions: [
        { partition: 0, offset: String(31 + after.length) },
        { partition: 1, offset: '30' },
        { partition: 2, offset: '20' },
        { partition: 3, offset: '30' },
      ],
    });
  });
  afterAll(async () => p?.cleanup());

  const open = (partition: number) =>
    createKafkaEosPort({
      kafka: p.kafka,
      admin: p.admin.admin,
      topics: p.topics,
      codecs: p.codecs,
      specs: () => [module],
      logger: createLogger('snapshot-ahead-test', 'silent'),
      config: {
        groupId: p.groupId,
        appId: p.groupId,
        restoreTimeoutMs: 60_000,
        heartbeatIntervalMs: 3_000,
        dedupeWindow: 1_000,
        snapshotIntervalMs: 60_000,
      },
    }).openTask(partition, async () => undefined);

  it('read back after the snapshot: x is counted once, nothing is left pending', async () => {
    const opened = await open(0);
    try {
      const once = module.createState(0);
      module.compute([...base, x, ...after], once);
      expect(comparable(opened.state.get(module.hash) as SpecState)).toBe(comparable(once));
      expect(opened.restoredRecords).toBe(after.length);
      expect(opened.ahead).toEqual([]);
      expect(opened.recent?.has(x.txId)).toBe(true);
    } finally {
      await opened.close();
    }
  });

  it('a snapshot past the committed offset (offsets moved back) is not used: all of scored is replayed', async () => {
    const opened = await open(2);
    try {
      const replayed = module.createState(2);
      module.compute(base, replayed);
      expect(comparable(opened.state.get(module.hash) as SpecState)).toBe(comparable(replayed));
      expect(opened.restoredRecords).toBe(base.length);
      expect(opened.ahead ?? []).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('a snapshot whose state does not fit the spec is not used: all of scored is replayed', async () => {
    const opened = await open(3);
    try {
      const replayed = module.createState(3);
      module.compute(base, replayed);
      expect(comparable(opened.state.get(module.hash) as SpecState)).toBe(comparable(replayed));
      expect(opened.restoredRecords).toBe(base.length);
    } finally {
      await opened.close();
    }
  });

  it('not read back yet: x is in the state and pending, so the stream will not count it again', async () => {
    const opened = await open(1);
    try {
      const once = module.createState(1);
      module.compute([...base, x], once);
      expect(comparable(opened.state.get(module.hash) as SpecState)).toBe(comparable(once));
      expect(opened.restoredRecords).toBe(0);
      expect(opened.ahead).toEqual([x.txId]);
    } finally {
      await opened.close();
    }
  });
});
