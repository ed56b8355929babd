import { randomUUID } from 'node:crypto';
import {
  openPartitionTransactor,
  toDlqMessage,
  type Admin,
  type Kafka,
  type OutMessage,
  type PartitionTransactor,
} from '@fraud/kafka';
import type { Logger } from '@fraud/common';
import type { Topics } from '@fraud/schemas';
import type { FeatureModule, ScorerCodecs } from '../ports.ts';
import { RecentIds } from '../recent-ids.ts';
import type { ChunkResult } from '../score-chunk.ts';
import { restorePartitionState } from '../state-restore.ts';
import { whileHeartbeating } from './heartbeat.ts';
import type { EosPort, OpenedTask } from './port.ts';

/** Written as dlq.service on the scorer's dead letters. */
export const DLQ_SERVICE = 'scorer';

export interface KafkaPortConfig {
  groupId: string;
  /** Prefix of the per-partition transactional ids; stable across restarts. */
  appId: string;
  restoreTimeoutMs: number;
  /** How often the group is heartbeated while a restore runs. */
  heartbeatIntervalMs: number;
  /** txIds remembered per partition to dead-letter repeats (0: no check). */
  dedupeWindow: number;
}

export interface KafkaPortDeps {
  kafka: Kafka;
  admin: Admin;
  topics: Topics;
  codecs: ScorerCodecs;
  /** The specs in force: a task opens with a state for each. */
  specs: () => readonly FeatureModule[];
  logger: Logger;
  config: KafkaPortConfig;
  /** Awaited after each fetch of scored[p] during a restore (instrumentation; tests throttle with it). */
  onRestoreFetch?: (partition: number, records: number) => Promise<void>;
}

/** `<app>-scorer-<topic>-<partition>`: the EOS-v1 zombie-fencing id for one input partition. */
export function transactionalIdFor(appId: string, topic: string, partition: number): string {
  return `${appId}-scorer-${topic}-${partition}`;
}

/** The loop's port on the real broker: one transactional producer per input partition (EOS v1). */
export function createKafkaEosPort(deps: KafkaPortDeps): EosPort {
  return {
    async openTask(partition, heartbeat) {
      const { kafka, topics, config, logger } = deps;
      const transactionalId = transactionalIdFor(config.appId, topics.transactions, partition);
      const transactor = await openPartitionTransactor({ kafka, transactionalId, logger });
      try {
        const committed = await committedOffset(deps.admin, config.groupId, topics.transactions, partition);
        const endOffset = await endOffsetOf(deps.admin, topics.transactions, partition);
        const restored = await whileHeartbeating(heartbeat, config.heartbeatIntervalMs, () =>
          restore(deps, partition, deps.specs(), true),
        );
        const { state } = restored;
        // A new spec's state is built inside a chunk, from all of scored[p]: heartbeat meanwhile, as
        // on open (kafkajs's heartbeat is the group's, not the fetch batch's, so it stays valid).
        const addSpec = async (spec: FeatureModule): Promise<number> => {
          const added = await whileHeartbeating(heartbeat, config.heartbeatIntervalMs, () =>
            restore(deps, partition, [spec], false),
          );
          state.set(spec.hash, added.state.get(spec.hash));
          return added.restoredRecords;
        };
        return { committed, endOffset, ...restored, addSpec, ...transactionsOf(deps, transactor, partition) };
      } catch (err: unknown) {
        await transactor.close().catch(() => undefined);
        throw err;
      }
    },
  };
}

/** The partition's state of each spec from scored[p]; with `withRecent`, its txIds for DUPLICATE_TX_ID too. */
async function restore(
  deps: KafkaPortDeps,
  partition: number,
  specs: readonly FeatureModule[],
  withRecent: boolean,
): Promise<Pick<OpenedTask, 'state' | 'recent' | 'restoredRecords'>> {
  const { config } = deps;
  const recent = withRecent && config.dedupeWindow > 0 ? new RecentIds(config.dedupeWindow) : undefined;
  const { state, records } = await restorePartitionState({
    recent,
    kafka: deps.kafka,
    scoredTopic: deps.topics.scored,
    partition,
    groupId: `${config.groupId}-restore-${partition}-${randomUUID().slice(0, 8)}`,
    decode: (b) => deps.codecs.scored.decode(b),
    specs,
    logger: deps.logger,
    timeoutMs: config.restoreTimeoutMs,
    onFetch: deps.onRestoreFetch,
  });
  return { state, recent, restoredRecords: records };
}

function transactionsOf(
  deps: KafkaPortDeps,
  transactor: PartitionTransactor,
  partition: number,
): Pick<OpenedTask, 'commit' | 'close'> {
  const { topics, config } = deps;
  return {
    commit: (output, next) =>
      transactor.commit({
        messages: outputMessages(deps, output, partition),
        offsets: { groupId: config.groupId, topic: topics.transactions, partition, next },
      }),
    close: () => transactor.close(),
  };
}

/** Decisions to partition p of `scored` (co-partitioned with the input), then the dead letters. */
function outputMessages(deps: KafkaPortDeps, output: ChunkResult, partition: number): OutMessage[] {
  const { topics, codecs } = deps;
  const out: OutMessage[] = output.scored.map((s) => ({
    topic: topics.scored,
    key: s.key,
    value: codecs.scored.encode(s.record),
    partition,
  }));
  for (const d of output.dead) out.push({ topic: topics.dlq, ...toDlqMessage(d, DLQ_SERVICE) });
  return out;
}

async function committedOffset(admin: Admin, groupId: string, topic: string, partition: number): Promise<bigint> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const o = res?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  return BigInt(o) < 0n ? 0n : BigInt(o);
}

async function endOffsetOf(admin: Admin, topic: string, partition: number): Promise<bigint> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return BigInt(offsets.find((p) => p.partition === partition)?.high ?? '0');
}
