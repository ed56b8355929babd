import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { createLogger, waitFor } from '@fraud/common';
import { seededRandom, uniqueName } from '@fraud/common/testing';
import {
  Partitioners,
  consumerConfig,
  decodeDecideUrl,
  ownerAssigner,
  partitionFor,
  readOwners,
  type Consumer,
  type OwnerMap,
} from '../src/index.ts';
import { testKafka, testTopics, type TestTopics } from '../src/testing.ts';

const { AssignerProtocol, PartitionAssigners } = kafkajs;

/** Random keys: ASCII account ids, empty and long strings, and multi-byte UTF-8. */
function randomKeys(n: number, seed: number): string[] {
  const rnd = seededRandom(seed);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-éü€漢😀';
  const chars = [...alphabet];
  return Array.from({ length: n }, (_, i) => {
    if (i === 0) return '';
    const len = Math.floor(rnd() * 40);
    return Array.from({ length: len }, () => chars[Math.floor(rnd() * chars.length)]).join('');
  });
}

describe('partitionFor', () => {
  it("picks kafkajs's DefaultPartitioner partition for 1,000 random keys at several partition counts", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    for (const n of [1, 2, 3, 6, 7, 12, 64, 1000]) {
      const partitionMetadata = Array.from({ length: n }, (_, id) => ({
        partitionErrorCode: 0,
        partitionId: id,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
      for (const key of randomKeys(1000, n)) {
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(partitionFor(key, n), `key ${JSON.stringify(key)} over ${n}`).toBe(expected);
      }
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionFor('k', 0)).toThrow(RangeError);
    expect(() => partitionFor('k', 1.5)).toThrow(RangeError);
  });
});

describe('ownerAssigner', () => {
  const cluster = (counts: Record<string, number>) =>
    ({
      findTopicPartitionMetadata: (topic: string) =>
        Array.from({ length: counts[topic] ?? 0 }, (_, partitionId) => ({ partitionId })),
    }) as never;
  const decoded = (assignments: Array<{ memberId: string; memberAssignment: Buffer }>) =>
    Object.fromEntries(
      assignments.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)!.assignment]),
    );

  it("assigns exactly as kafkajs's round robin does", async () => {
    const logger = createLogger('owners-test', 'silent') as never;
    for (const [members, counts] of [
      [['m-c', 'm-a', 'm-b'], { t: 6 }],
      [['m-2', 'm-1'], { t: 7, u: 3 }],
      [['only'], { t: 4 }],
      [['a', 'b', 'c', 'd', 'e'], { t: 3 }],
    ] as const) {
      const group = { members: members.map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) })) };
      const topics = Object.keys(counts);
      const ours = ownerAssigner('http://x')({ cluster: cluster(counts), groupId: 'g', logger });
      const theirs = PartitionAssigners.roundRobin({ cluster: cluster(counts), groupId: 'g', logger });
      expect(decoded(await ours.assign({ ...group, topics }))).toEqual(
        decoded(await theirs.assign({ ...group, topics })),
      );
    }
  });

  it('advertises its endpoint in the member metadata, and nothing for an empty one', () => {
    const logger = createLogger('owners-test', 'silent') as never;
    const proto = ownerAssigner('http://127.0.0.1:1111')({ cluster: cluster({}), groupId: 'g', logger });
    expect(proto.name).toBe('FraudOwnerRoundRobin');
    expect(proto.version).toBe(1);
    const meta = AssignerProtocol.MemberMetadata.decode(proto.protocol({ topics: ['t'] }).metadata)!;
    expect(meta).toMatchObject({ version: 1, topics: ['t'] });
    expect(JSON.parse(meta.userData.toString())).toEqual({ decideUrl: 'http://127.0.0.1:1111' });
    expect(decodeDecideUrl(proto.protocol({ topics: ['t'] }).metadata)).toBe('http://127.0.0.1:1111');
    const none = ownerAssigner('')({ cluster: cluster({}), groupId: 'g', logger }).protocol({ topics: ['t'] });
    expect(AssignerProtocol.MemberMetadata.decode(none.metadata)!.userData.toString()).toBe('{}');
    expect(decodeDecideUrl(none.metadata)).toBeNull();
  });

  it('reads garbage, foreign userData and truncated metadata as no endpoint', () => {
    const encode = (userData: Buffer) =>
      AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t'], userData });
    expect(decodeDecideUrl(encode(Buffer.from('not json')))).toBeNull();
    expect(decodeDecideUrl(encode(Buffer.from('"a string"')))).toBeNull();
    expect(decodeDecideUrl(encode(Buffer.from('{"decideUrl": 42}')))).toBeNull();
    expect(decodeDecideUrl(encode(Buffer.alloc(0)))).toBeNull();
    expect(decodeDecideUrl(Buffer.from([0, 1, 0]))).toBeNull();
  });
});

describe('readOwners on the real broker', () => {
  const kafka = testKafka('owners-test');
  let topics: TestTopics;
  const consumers: Consumer[] = [];
  beforeAll(async () => {
    topics = await testTopics(kafka);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    await topics.cleanup();
  });

  const join = async (groupId: string, topic: string, endpoint: string): Promise<Consumer> => {
    const consumer = kafka.consumer(
      consumerConfig('latency', { groupId, partitionAssigners: [ownerAssigner(endpoint)] }),
    );
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachBatch: async () => undefined });
    return consumer;
  };
  const urlsOf = (map: OwnerMap) => [...map.owners.values()].map((o) => o.decideUrl);
  const count = (map: OwnerMap, url: string) => urlsOf(map).filter((u) => u === url).length;

  it('maps all partitions to the members that advertise them, and moves them when one leaves', async () => {
    const topic = await topics.create(uniqueName('owners'), 6);
    const groupId = uniqueName('owners-group');
    const a = await join(groupId, topic, 'http://127.0.0.1:1111');
    await join(groupId, topic, 'http://127.0.0.1:2222');

    const split = await waitFor(
      async () => {
        const map = await readOwners(topics.admin, groupId, topic);
        const ok = map.owners.size === 6 && count(map, 'http://127.0.0.1:1111') === 3;
        return ok && count(map, 'http://127.0.0.1:2222') === 3 ? map : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'both members to own 3 partitions each' },
    );
    expect(split.partitions).toBe(6);
    expect(split.groupState).toBe('Stable');
    expect([...split.owners.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set([...split.owners.values()].map((o) => o.memberId)).size).toBe(2);

    await a.disconnect();
    const moved = await waitFor(
      async () => {
        const map = await readOwners(topics.admin, groupId, topic);
        return map.owners.size === 6 && count(map, 'http://127.0.0.1:2222') === 6 ? map : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the remaining member to own all 6 partitions' },
    );
    expect(new Set([...moved.owners.values()].map((o) => o.memberId)).size).toBe(1);
  });

  it('gives an empty map for a group that does not exist', async () => {
    const topic = await topics.create(uniqueName('owners-none'), 2);
    const map = await readOwners(topics.admin, uniqueName('owners-nobody'), topic);
    expect(map.partitions).toBe(2);
    expect(map.owners.size).toBe(0);
  });
});
