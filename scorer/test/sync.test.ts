import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { partitionFor, readOwners, readToEnd, type Admin, type KafkaMessage } from '@fraud/kafka';
import type { ScoredTransaction, Transaction } from '@fraud/schemas';
import type { ScorerService } from '../src/service.ts';
import { decodeSnapshot, newestComplete, type PartitionSnapshot } from '../src/state-snapshot.ts';
import { DECIDED_HEADER } from '../src/sync/memory.ts';
import { expectFeaturesAsUninterrupted } from './assertions.ts';
import { createPipeline, type Pipeline } from './harness.ts';
import { makeTransactions, trainTinyModel, type TinyModel } from './model-fixture.ts';

const PARTITIONS = 6;
/** Snapshots at every chunk: some are taken while synchronous decisions are written and not read back. */
const SNAPSHOTS = { SCORER_SNAPSHOT_INTERVAL_MS: '1', SCORER_SNAPSHOT_MIN_RECORDS: '1' };

interface Answer {
  status: number;
  body: {
    scored?: ScoredTransaction;
    replayed?: boolean;
    viewLagMs?: number | null;
    error?: { code: string; message: string };
  };
}

async function decide(url: string, tx: Transaction): Promise<Answer> {
  const res = await fetch(`${url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transaction: tx }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** The owner's decision, retrying NOT_READY (a task opening or catching up) until the deadline. */
async function decideAtOwner(urlOf: (p: number) => string, tx: Transaction): Promise<Answer> {
  let last: Answer | undefined;
  await waitFor(
    async () => {
      last = await decide(urlOf(partitionFor(tx.originAccount, PARTITIONS)), tx);
      return last.status !== 503;
    },
    { timeoutMs: 60_000, what: `a decision on ${tx.txId} from the owner of its partition` },
  );
  return last!;
}

/** Partition -> decide URL once the group is stable with every partition owned by an endpoint. */
async function ownersOf(admin: Admin, p: Pipeline, members: number): Promise<Map<number, string>> {
  let urls = new Map<number, string>();
  await waitFor(
    async () => {
      const map = await readOwners(admin, p.groupId, p.topics.transactions);
      urls = new Map([...map.owners].flatMap(([k, o]) => (o.decideUrl ? [[k, o.decideUrl] as const] : [])));
      return urls.size === PARTITIONS && new Set(urls.values()).size === members;
    },
    { timeoutMs: 60_000, what: `${PARTITIONS} partitions owned by ${members} advertised endpoints` },
  );
  return urls;
}

/** Every complete snapshot on the pipeline's snapshot topic, all partitions. */
async function readSnapshots(p: Pipeline): Promise<PartitionSnapshot[]> {
  const messages: KafkaMessage[] = [];
  await readToEnd({
    kafka: p.kafka,
    topic: p.topics.stateSnapshots,
    groupId: `${p.groupId}-snapshots-read`,
    logger: createLogger('sync-test', 'silent'),
    timeoutMs: 30_000,
    deleteGroupOnStop: true,
    onMessages: async (batch) => void messages.push(...batch),
  });
  const byId = new Map<string, KafkaMessage[]>();
  for (const m of messages) {
    const id = String(m.headers?.['fraud-snapshot-id']);
    byId.set(id, [...(byId.get(id) ?? []), m]);
  }
  const out: PartitionSnapshot[] = [];
  for (const parts of byId.values()) {
    const packed = newestComplete(parts);
    if (packed !== null) out.push(await decodeSnapshot(packed));
  }
  return out;
}

describe('decisions at the partition owner (real broker, 2 scorers, 6 partitions)', () => {
  let p: Pipeline;
  let model: TinyModel;
  let admin: Admin;
  let scorers: ScorerService[];
  beforeAll(async () => {
    p = await createPipeline('scorer-sync', PARTITIONS);
    model = await trainTinyModel('sync-v1');
    admin = p.kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await p?.cleanup();
  });

  it('routes to the owner, writes before answering; the stream neither rescores nor recounts', async () => {
    const env = { MODEL_BOOTSTRAP_DIR: model.dir, SCORER_DECIDE_PORT: '0', ...SNAPSHOTS };
    scorers = [await p.startScorer(env), await p.startScorer(env)];
    const all = makeTransactions(1_200, { seed: 5, runId: p.prefix, accounts: 60 });
    const [before, sync, after] = [all.slice(0, 500), all.slice(500, 620), all.slice(620)];
    await p.publish(before);
    await p.waitConsumed(before.length);
    const urls = await ownersOf(admin, p, 2);
    const owner = (part: number) => urls.get(part)!;
    const other = (part: number) => scorers.map((s) => s.decideUrl!).find((u) => u !== owner(part))!;

    // The non-owner refuses, naming the reason; the owner answers.
    const probe = sync[0]!;
    const refused = await decide(other(partitionFor(probe.originAccount, PARTITIONS)), probe);
    expect(refused.status).toBe(421);
    expect(refused.body.error?.code).toBe('NOT_OWNER');

    // Concurrent requests in groups of 20: they are group-committed per instance.
    const answers = new Map<string, ScoredTransaction>();
    const lags: Array<number | null | undefined> = [];
    for (let i = 0; i < sync.length; i += 20) {
      const group = sync.slice(i, i + 20);
      const got = await Promise.all(group.map((tx) => decideAtOwner(owner, tx)));
      got.forEach((a, j) => {
        expect(a.status, JSON.stringify(a.body.error)).toBe(200);
        expect(a.body.replayed).toBe(false);
        answers.set(group[j]!.txId, a.body.scored!);
        lags.push(a.body.viewLagMs);
      });
    }
    // How far the destination view was behind is told with each answer (null before its first probe).
    expect(lags.every((l) => l === null || (typeof l === 'number' && l >= 0))).toBe(true);
    expect(lags.some((l) => typeof l === 'number')).toBe(true);
    const lagCount = async (svc: ScorerService) =>
      (await svc.registry.getSingleMetric('fraud_scorer_sync_view_lag_seconds')!.get()).values
        .filter((v) => (v as { metricName?: string }).metricName === 'fraud_scorer_sync_view_lag_seconds_count')
        .reduce((n, v) => n + v.value, 0);
    expect((await lagCount(scorers[0]!)) + (await lagCount(scorers[1]!))).toBeGreaterThan(0);
    // A retry with the same txId gets the same decision.
    const retry = await decideAtOwner(owner, sync[7]!);
    expect(retry.body.replayed).toBe(true);
    expect(retry.body.scored!.score).toBe(answers.get(sync[7]!.txId)!.score);
    // Bad input: 400 with the reason.
    const bad = await decideAtOwner(owner, { ...sync[8]!, txId: `${p.prefix}bad`, amount: -5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('RECORD_INVALID');

    await p.publish(after);
    await p.waitConsumed(all.length);
    const scored = await p.readScored();
    const ids = scored.map((s) => s.transaction.txId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(all.map((t) => t.txId)));
    expect(await p.readDlq()).toHaveLength(0);
    for (const s of scored) {
      const answered = answers.get(s.transaction.txId);
      if (answered === undefined) continue;
      // The stream wrote the answered decision, not a second scoring of the payment.
      // Over JSON, as the answer travelled (a NaN feature is null there).
      const asJson = JSON.parse(JSON.stringify({ ...s, source: null, transaction: null })) as unknown;
      expect(asJson).toEqual({ ...answered, transaction: null });
      expect(s.transaction).toMatchObject(answered.transaction);
      expect(s.source!.partition).toBe(partitionFor(s.transaction.originAccount, PARTITIONS));
    }
    // Origin features of every later payment as one uninterrupted run: each synchronous payment
    // is in the state once (twice would shift the counts and sums of its account).
    expectFeaturesAsUninterrupted(scored, new Set(answers.keys()));
    // Snapshots were written during the synchronous traffic; what one holds beyond its offset can
    // only be synchronous decisions (whether one was caught in flight depends on timing:
    // scorer/test/snapshot-ahead.test.ts restores such a snapshot deterministically).
    const snapshots = await readSnapshots(p);
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snap of snapshots) for (const id of snap.ahead) expect(answers.has(id), id).toBe(true);
  });

  it('an owner killed between write and answer: the decision is in scored once, a retry returns it', async () => {
    for (const s of scorers.splice(0)) await s.stop();
    const crashing = p.spawnScorer({
      MODEL_BOOTSTRAP_DIR: model.dir,
      SCORER_DECIDE_PORT: '0',
      SCORER_FAULT_CRASH_AFTER_DECIDE_WRITE: 'true',
      ...SNAPSHOTS,
    });
    const exited = new Promise<number | null>((resolve) => crashing.once('exit', (code) => resolve(code)));
    const urls = await ownersOf(admin, p, 1);
    const tx = makeTransactions(1, { seed: 9, runId: `${p.prefix}crash`, start: Date.now() - 60_000 })[0]!;
    const url = urls.get(partitionFor(tx.originAccount, PARTITIONS))!;
    let failed = false;
    await waitFor(
      async () => {
        const res = await decide(url, tx).catch(() => null);
        if (res === null) failed = true;
        return res === null || res.status !== 503;
      },
      { timeoutMs: 60_000, what: 'the crashing owner to take the request' },
    );
    expect(failed).toBe(true);
    await exited;
    // The record with its decision is on `transactions`: written before the crash.
    const survivor = await p.startScorer({ MODEL_BOOTSTRAP_DIR: model.dir, SCORER_DECIDE_PORT: '0', ...SNAPSHOTS });
    scorers.push(survivor);
    const taken = await ownersOf(admin, p, 1);
    expect(new Set(taken.values())).toEqual(new Set([survivor.decideUrl]));
    const again = await decideAtOwner((part) => taken.get(part)!, tx);
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    let mine: ScoredTransaction[] = [];
    await waitFor(
      async () => {
        mine = (await p.readScored()).filter((s) => s.transaction.txId === tx.txId);
        return mine.length > 0;
      },
      { timeoutMs: 30_000, what: `the decision on ${tx.txId} in scored` },
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]!.score).toBe(again.body.scored!.score);
    expect(mine[0]!.decision).toBe(again.body.scored!.decision);
    expect(DECIDED_HEADER).toBe('fraud-decided');
    // The survivor's partitions came back from snapshots (and the tail of scored after them).
    const restored = (await survivor.registry.getSingleMetric('fraud_scorer_state_snapshots_total')!.get()).values
      .filter((v) => v.labels.outcome === 'restored')
      .reduce((n, v) => n + v.value, 0);
    expect(restored).toBeGreaterThan(0);
  });
});
