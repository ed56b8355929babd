import { AssignerProtocol, type Admin, type PartitionAssigner } from 'kafkajs';
import { murmur2Partition } from '@fraud/common';

/**
 * Who owns which partition of a consumer group, and where it answers: the interactive-queries
 * pattern. Every member of the group advertises its endpoint in the userData of its group
 * metadata (ownerAssigner), the broker keeps that metadata and the assignment the leader made
 * for as long as the member lives, and anyone with an admin client reads both back with one
 * DescribeGroups (readOwners). No extra topic and no extra writer: the endpoint lives and dies
 * with the membership, so a crashed instance's endpoint disappears with its session.
 */

export const OWNER_ASSIGNER_NAME = 'FraudOwnerRoundRobin';
export const OWNER_ASSIGNER_VERSION = 1;

/** The userData an ownerAssigner member advertises (JSON). */
export interface OwnerUserData {
  decideUrl?: string;
}

export interface PartitionOwner {
  memberId: string;
  /** Where the owner answers POST {decideUrl}/v1/decide; null when it advertises none (or garbage). */
  decideUrl: string | null;
}

export interface OwnerMap {
  /** Partitions of the topic (the modulus of partitionFor). */
  partitions: number;
  /** Partition -> owner; empty while the group is not Stable (a rebalance is under way) or has no member. */
  owners: Map<number, PartitionOwner>;
  /** Date.now() when this map was read. */
  readAt: number;
  /** The group state DescribeGroups reported ('Stable', 'PreparingRebalance', 'Empty', ...). */
  groupState: string;
}

/**
 * A partition assigner that assigns exactly like kafkajs's built-in round robin (members sorted by
 * memberId, the partitions of the subscribed topics dealt in turn) and advertises `endpoint` as
 * `{"decideUrl": endpoint}` in its member metadata's userData. An empty endpoint advertises
 * nothing (`{}`): the member consumes but does not answer requests.
 *
 * Every member of a group must offer the same assigner name: a group of old members
 * ('RoundRobinAssigner') rejects a member that offers only this one (INCONSISTENT_GROUP_PROTOCOL).
 */
export function ownerAssigner(endpoint: string): PartitionAssigner {
  const userData = Buffer.from(JSON.stringify(endpoint ? { decideUrl: endpoint } : {}));
  return ({ cluster }) => ({
    name: OWNER_ASSIGNER_NAME,
    version: OWNER_ASSIGNER_VERSION,
    async assign({ members, topics }) {
      const sorted = members.map((m) => m.memberId).sort();
      const assignment: Record<string, Record<string, number[]>> = {};
      const topicPartitions = topics.flatMap((topic) =>
        cluster.findTopicPartitionMetadata(topic).map((m) => ({ topic, partition: m.partitionId })),
      );
      topicPartitions.forEach(({ topic, partition }, i) => {
        const member = sorted[i % sorted.length]!;
        const byTopic = (assignment[member] ??= {});
        (byTopic[topic] ??= []).push(partition);
      });
      return Object.entries(assignment).map(([memberId, a]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: OWNER_ASSIGNER_VERSION,
          assignment: a,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: OWNER_ASSIGNER_NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: OWNER_ASSIGNER_VERSION, topics, userData }),
      };
    },
  });
}

/** The decideUrl a member advertises in its metadata, or null (none, or not our JSON). */
export function decodeDecideUrl(memberMetadata: Buffer): string | null {
  try {
    const meta = AssignerProtocol.MemberMetadata.decode(memberMetadata);
    if (!meta?.userData?.length) return null;
    const data = JSON.parse(meta.userData.toString('utf8')) as unknown;
    if (typeof data !== 'object' || data === null) return null;
    const url = (data as OwnerUserData).decideUrl;
    return typeof url === 'string' && url.length > 0 ? url : null;
  } catch {
    // A member of another kind (another assigner, another client) or garbage: no endpoint.
    return null;
  }
}

/** The partitions of `topic` assigned to a member, from its DescribeGroups assignment bytes. */
function assignedPartitions(memberAssignment: Buffer, topic: string): number[] {
  try {
    return AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment[topic] ?? [];
  } catch {
    // An assignment we cannot read owns nothing we can route to.
    return [];
  }
}

/**
 * The owners of `topic`'s partitions in consumer group `groupId`, with their endpoints: one
 * DescribeGroups and one topic metadata request. Owners are read only from a Stable group; during
 * a rebalance the map is empty (the members' assignments are being replaced).
 */
export async function readOwners(admin: Admin, groupId: string, topic: string): Promise<OwnerMap> {
  const [{ groups }, { topics }] = await Promise.all([
    admin.describeGroups([groupId]),
    admin.fetchTopicMetadata({ topics: [topic] }),
  ]);
  const partitions = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
  const group = groups.find((g) => g.groupId === groupId);
  const owners = new Map<number, PartitionOwner>();
  if (group?.state === 'Stable') {
    for (const m of group.members) {
      const decideUrl = decodeDecideUrl(m.memberMetadata);
      for (const p of assignedPartitions(m.memberAssignment, topic)) owners.set(p, { memberId: m.memberId, decideUrl });
    }
  }
  return { partitions, owners, readAt: Date.now(), groupState: group?.state ?? 'Unknown' };
}

/**
 * The partition kafkajs's DefaultPartitioner (and the Java client's) picks for a string key:
 * toPositive(murmur2(utf8 bytes)) % numPartitions (common/src/murmur2.ts, shared with the features).
 */
export function partitionFor(key: string, numPartitions: number): number {
  return murmur2Partition(key, numPartitions);
}
