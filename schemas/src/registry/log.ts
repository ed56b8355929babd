import { randomUUID } from 'node:crypto';
import { errorMessage, FraudError, type Logger } from '@fraud/common';
import {
  ConfigResourceTypes,
  followTopic,
  producerConfig,
  withAdminRetry,
  type Admin,
  type Kafka,
  type KafkaMessage,
  type Producer,
  type TopicFollower,
} from '@fraud/kafka';
import { RegistryError } from './errors.ts';
import type { LogRecord } from './state.ts';

/**
 * The registry's storage: one compacted, single-partition topic read from the beginning by
 * every instance. `append` produces a record and returns its offset; `waitApplied` resolves
 * once this instance's reader has applied that offset, which is how a write observes its own
 * outcome (and everyone else's writes before it).
 */
export interface SchemaLog {
  start(): Promise<void>;
  append(key: Record<string, unknown>, value: Record<string, unknown>): Promise<number>;
  waitApplied(offset: number): Promise<void>;
  /** Reads up to the current end of the topic. */
  catchUp(): Promise<void>;
  stop(): Promise<void>;
}

export interface SchemaLogDeps {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  apply: (record: LogRecord) => void;
  timeoutMs?: number;
}

export function createSchemaLog(deps: SchemaLogDeps): SchemaLog {
  const { kafka, topic, logger } = deps;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let follower: TopicFollower | undefined;
  const applied = createAppliedTracker(topic, timeoutMs);

  function handle(m: KafkaMessage): void {
    const record = parseRecord(m.key, m.value);
    if (record) deps.apply(record);
    else
      logger.warn({ topic, offset: m.offset }, 'skipping a record of the schemas topic that is not a registry record');
  }

  return {
    async start() {
      admin = kafka.admin();
      await admin.connect();
      await ensureLogTopic(admin, topic);
      producer = kafka.producer(producerConfig('idempotent', { allowAutoTopicCreation: false }));
      await producer.connect();
      // A private group per instance: every instance reads the whole log; no offsets are committed.
      // `applied` advances on every fetch, also one that ends in records the reader skips.
      // A 500 ms fetch wait: disconnect waits for the fetch in flight, so this bounds stop(), and
      // an idle registry polls twice a second. Records still arrive at once (a fetch returns as
      // soon as there is data).
      follower = await followTopic({
        kafka,
        topic,
        groupId: `${topic}.registry.${randomUUID()}`,
        logger,
        maxWaitTimeInMs: 500,
        onMessages: async (messages) => {
          for (const m of messages) handle(m);
        },
        onProgress: (_partition, next) => applied.advance(Number(next)),
      });
      await this.catchUp();
    },

    async append(key, value) {
      if (!producer) throw new RegistryError(50001, 'schema registry is not started');
      try {
        const [meta] = await producer.send({
          topic,
          acks: -1,
          messages: [{ partition: 0, key: JSON.stringify(key), value: JSON.stringify(value) }],
        });
        if (!meta?.baseOffset) throw new Error('broker returned no offset');
        return Number(meta.baseOffset);
      } catch (err: unknown) {
        throw new RegistryError(50001, `cannot write to ${topic}: ${errorMessage(err)}`, { cause: err });
      }
    },

    waitApplied: applied.waitApplied,

    async catchUp() {
      if (!admin) throw new RegistryError(50001, 'schema registry is not started');
      const offsets = await withAdminRetry(() => admin!.fetchTopicOffsets(topic));
      const high = Number(offsets.find((o) => o.partition === 0)?.high ?? 0);
      if (high > 0) await applied.waitApplied(high - 1);
    },

    async stop() {
      applied.releaseAll();
      await follower?.stop();
      await producer?.disconnect();
      await admin?.disconnect();
      follower = undefined;
      producer = admin = undefined;
    },
  };
}

/**
 * The next offset this instance has applied, and the writers waiting for theirs. A waiter whose
 * offset is not applied within timeoutMs fails with 50002 (Kafka unreachable, most likely).
 */
function createAppliedTracker(
  topic: string,
  timeoutMs: number,
): { advance(next: number): void; waitApplied(offset: number): Promise<void>; releaseAll(): void } {
  let appliedNext = 0;
  const waiters = new Set<{ offset: number; resolve: () => void }>();
  return {
    advance(next) {
      if (next <= appliedNext) return;
      appliedNext = next;
      for (const w of waiters) {
        if (w.offset < appliedNext) {
          waiters.delete(w);
          w.resolve();
        }
      }
    },
    waitApplied(offset) {
      if (offset < appliedNext) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          offset,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new RegistryError(
              50002,
              `timed out after ${timeoutMs} ms reading ${topic} up to offset ${offset}: is Kafka reachable?`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    releaseAll() {
      for (const w of waiters) w.resolve();
      waiters.clear();
    },
  };
}

/** Creates the topic if needed; refuses one that is not single-partition and compacted. */
async function ensureLogTopic(a: Admin, topic: string): Promise<void> {
  // Checked first only to keep kafkajs from logging an error for an existing topic; a
  // concurrent creation by another instance is fine (createTopics then returns false).
  const exists = (await a.listTopics()).includes(topic);
  if (!exists)
    await a.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
  const meta = await a.fetchTopicMetadata({ topics: [topic] });
  const partitions = meta.topics[0]?.partitions.length ?? 0;
  if (partitions !== 1) {
    throw new FraudError(
      'CONFIG_INVALID',
      `schema registry topic ${topic} has ${partitions} partitions; it needs exactly 1 (total order of writes). ` +
        'Use another topic or recreate it.',
    );
  }
  // With cleanup.policy=delete, retention would silently drop schemas (and reuse their ids).
  const configs = await a.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
  });
  const policy = configs.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
  if (policy !== 'compact') {
    throw new FraudError(
      'CONFIG_INVALID',
      `schema registry topic ${topic} has cleanup.policy=${policy || '(unknown)'}; ` +
        'it must be "compact" or retention would drop schemas. Fix: kafka-configs --alter --entity-type topics ' +
        `--entity-name ${topic} --add-config cleanup.policy=compact`,
    );
  }
}

function parseJson(buf: Buffer | null): Record<string, unknown> | null {
  if (!buf) return null;
  try {
    const v = JSON.parse(buf.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null; // reported by the caller as a skipped record
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Decodes one record of the topic; null for anything that is not a well-formed registry record. */
export function parseRecord(keyBuf: Buffer | null, valueBuf: Buffer | null): LogRecord | null {
  const key = parseJson(keyBuf);
  const value = parseJson(valueBuf);
  if (!key || !value) return null;
  switch (key.keytype) {
    case 'SCHEMA':
      if (isStr(value.subject) && isNum(value.version) && isNum(value.id) && isStr(value.schema)) {
        return {
          keytype: 'SCHEMA',
          value: { subject: value.subject, version: value.version, id: value.id, schema: value.schema },
        };
      }
      return null;
    case 'CONFIG':
      if (key.subject !== null && !isStr(key.subject)) return null;
      return {
        keytype: 'CONFIG',
        subject: key.subject,
        compatibilityLevel: isStr(value.compatibilityLevel) ? value.compatibilityLevel : null,
      };
    case 'DELETE_SUBJECT':
      if (isStr(key.subject) && isNum(value.softUpTo) && isNum(value.permanentUpTo)) {
        return {
          keytype: 'DELETE_SUBJECT',
          subject: key.subject,
          softUpTo: value.softUpTo,
          permanentUpTo: value.permanentUpTo,
        };
      }
      return null;
    case 'DELETE_VERSION':
      if (isStr(key.subject) && isNum(key.version) && typeof value.permanent === 'boolean') {
        return { keytype: 'DELETE_VERSION', subject: key.subject, version: key.version, permanent: value.permanent };
      }
      return null;
    default:
      return null;
  }
}
