import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import {
  CONTROL_KEYS,
  ruleSetVersionKey,
  type RuleSet,
  type ScoredTransaction,
  type Transaction,
} from '@fraud/schemas';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

/**
 * Rule sets on the real broker: a published version changes decisions from the chunk after the
 * scorer reads it (each record names the version it was decided with), and a rollback (an older
 * version written again under "rule-set", as `fraud rules rollback` does) restores it.
 */
const LARGE = 25_000;
const v1: RuleSet = {
  version: 1,
  rules: [
    { name: 'large', expression: `amount > ${LARGE}`, action: 'BLOCK', priority: 10, enabled: true, description: '' },
    { name: 'tag-payment', expression: 'type = "PAYMENT"', action: 'TAG', priority: 0, enabled: true, description: '' },
  ],
  lists: {},
  publishedBy: 'test',
  publishedAt: 1,
  rolledBackFrom: null,
};
const v2: RuleSet = {
  ...v1,
  version: 2,
  rules: [
    { name: 'approve-all', expression: 'amount >= 0', action: 'APPROVE', priority: 0, enabled: true, description: '' },
  ],
};

describe('rule sets on the control topic, applied by the scorer', () => {
  let p: Pipeline;
  let model: TinyModel;
  const txs = makeTransactions(2_400, { seed: 5, runId: 'rules' });
  let next = 0;
  const take = (n: number): Transaction[] => txs.slice(next, (next += n));

  const publishSet = async (set: RuleSet, history: boolean): Promise<void> => {
    const producer = p.kafka.producer({ idempotent: true });
    await producer.connect();
    const value = Buffer.from(JSON.stringify(set));
    const messages = [
      ...(history ? [{ key: ruleSetVersionKey(set.version), value }] : []),
      { key: CONTROL_KEYS.ruleSet, value },
    ];
    await producer.send({ topic: p.topics.control, acks: -1, messages });
    await producer.disconnect();
  };
  const scoredById = async (): Promise<Map<string, ScoredTransaction>> =>
    new Map((await p.readScored()).map((s) => [s.transaction.txId, s]));
  /** Sends one payment at a time until one comes back decided with `version`: the scorer has applied it. */
  const untilApplied = async (version: number | null): Promise<void> => {
    await waitFor(
      async () => {
        const [probe] = take(1);
        await p.publish([probe!]);
        await p.waitConsumed(next);
        return (await scoredById()).get(probe!.txId)!.ruleSetVersion === version;
      },
      { timeoutMs: 60_000, what: `the scorer to apply rule set ${version}` },
    );
  };
  const phase = async (n: number): Promise<ScoredTransaction[]> => {
    const batch = take(n);
    await p.publish(batch);
    await p.waitConsumed(next);
    const byId = await scoredById();
    return batch.map((t) => byId.get(t.txId)!);
  };

  beforeAll(async () => {
    p = await createPipeline('scorer-rules', 1);
    model = await trainTinyModel('rules-v1');
    await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_MAX_BATCH: '200' });
  });
  afterAll(async () => p?.cleanup());

  it('a published rule decides from the next chunk on; rollback restores the older version', async () => {
    const before = await phase(300);
    expect(before.every((s) => (s.ruleSetVersion ?? null) === null && s.rulesFired.length === 0)).toBe(true);
    const largeBefore = before.filter((s) => s.transaction.amount > LARGE);
    expect(largeBefore.some((s) => s.decision !== 'BLOCK')).toBe(true);

    await publishSet(v1, true);
    await untilApplied(1);
    const withV1 = await phase(400);
    expect(withV1.every((s) => s.ruleSetVersion === 1)).toBe(true);
    const large = withV1.filter((s) => s.transaction.amount > LARGE);
    expect(large.length).toBeGreaterThan(20);
    expect(large.every((s) => s.decision === 'BLOCK' && s.rulesFired.includes('large'))).toBe(true);
    for (const s of withV1) {
      expect(s.rulesFired.includes('tag-payment'), s.transaction.txId).toBe(s.transaction.type === 'PAYMENT');
      if (s.transaction.amount <= LARGE) expect(s.rulesFired).not.toContain('large');
    }

    await publishSet(v2, true);
    await untilApplied(2);
    const withV2 = await phase(300);
    expect(withV2.every((s) => s.ruleSetVersion === 2 && s.decision === 'APPROVE')).toBe(true);
    expect(withV2.every((s) => s.rulesFired.join() === 'approve-all')).toBe(true);

    await publishSet({ ...v1, rolledBackFrom: 2, publishedAt: 3 }, false);
    await untilApplied(1);
    const rolledBack = await phase(300);
    expect(rolledBack.every((s) => s.ruleSetVersion === 1)).toBe(true);
    expect(rolledBack.filter((s) => s.transaction.amount > LARGE).every((s) => s.decision === 'BLOCK')).toBe(true);

    // In offset order the version only ever moves at one point per publication: no chunk mixes two.
    const all = (await p.readScored()).sort((a, b) => a.source!.offset - b.source!.offset);
    const changes = all.filter((s, i) => i > 0 && (s.ruleSetVersion ?? null) !== (all[i - 1]!.ruleSetVersion ?? null));
    expect(changes.map((s) => s.ruleSetVersion)).toEqual([1, 2, 1]);
  });

  it('an invalid rule set on control is ignored: the version in force stays', async () => {
    const producer = p.kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: p.topics.control,
      messages: [
        {
          key: CONTROL_KEYS.ruleSet,
          value: Buffer.from(
            JSON.stringify({ ...v2, version: 9, rules: [{ name: 'x', expression: 'amount >', action: 'BLOCK' }] }),
          ),
        },
      ],
    });
    await producer.disconnect();
    // A valid record after it proves the scorer read past the invalid one.
    await publishSet({ ...v2, version: 10 }, true);
    await untilApplied(10);
    const scored = [...(await scoredById()).values()];
    expect(scored.some((s) => s.ruleSetVersion === 9)).toBe(false);
  });
});
