import { entityEventsTopicConfig, snapshotTopicConfig, type Admin, type ITopicConfig } from '@fraud/kafka';
import { topicNames } from '@fraud/schemas';

export interface TopicPlan {
  prefix?: string;
  /** Partitions of the data topics (transactions, scored, labels, dlq). */
  partitions?: number;
}

/** The topics of DESIGN.md with their settings; data topics are co-partitioned. */
export function plannedTopics(plan: TopicPlan = {}): ITopicConfig[] {
  const t = topicNames(plan.prefix ?? '');
  const p = plan.partitions ?? 6;
  const compact = [{ name: 'cleanup.policy', value: 'compact' }];
  // A scorer batch (up to SCORER_MAX_BATCH records, ~1 KiB each with features and reasons) is
  // one produce per partition: the 1 MiB default would refuse it. Dead letters may be large too.
  const big = [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }];
  return [
    { topic: t.transactions, numPartitions: p, replicationFactor: 1 },
    { topic: t.scored, numPartitions: p, replicationFactor: 1, configEntries: big },
    { topic: t.labels, numPartitions: p, replicationFactor: 1 },
    { topic: t.dlq, numPartitions: p, replicationFactor: 1, configEntries: big },
    {
      topic: t.modelUpdates,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [...compact, { name: 'max.message.bytes', value: String(16 * 1024 * 1024) }],
    },
    { topic: t.schemas, numPartitions: 1, replicationFactor: 1, configEntries: compact },
    { topic: t.control, numPartitions: 1, replicationFactor: 1, configEntries: compact },
    { topic: t.stateSnapshots, numPartitions: p, replicationFactor: 1, configEntries: [...snapshotTopicConfig] },
    { topic: t.entityEvents, numPartitions: p, replicationFactor: 1, configEntries: [...entityEventsTopicConfig] },
  ];
}

/** Creates the missing topics; existing ones are left as they are. Returns the created names. */
export async function ensureTopics(admin: Admin, plan: TopicPlan = {}): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = plannedTopics(plan).filter((t) => !existing.has(t.topic));
  if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}
