import { createRequire } from 'node:module';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaEnvSchema, parseEnv } from '@fraud/common';

/**
 * Kafka test helpers: every topic gets a unique name (uniqueName from @fraud/common/testing),
 * and everything created is removed by the returned cleanup. Tests talk to the real broker
 * started by the global setup.
 */
export function testBrokers(): string[] {
  return parseEnv(kafkaEnvSchema).KAFKA_BROKERS;
}

export function testKafka(clientId = 'fraud-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: testBrokers(),
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

export interface TestTopics {
  admin: Admin;
  create(name: string, partitions?: number, configs?: Record<string, string>): Promise<string>;
  cleanup(): Promise<void>;
}

export async function testTopics(kafka: Kafka = testKafka()): Promise<TestTopics> {
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  return {
    admin,
    async create(name, partitions = 3, configs = {}) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: name,
            numPartitions: partitions,
            replicationFactor: 1,
            configEntries: Object.entries(configs).map(([n, v]) => ({ name: n, value: v })),
          },
        ],
      });
      created.push(name);
      return name;
    },
    async cleanup() {
      if (created.length)
        await admin
          .deleteTopics({ topics: created })
          .catch((err: unknown) => console.warn('topic cleanup failed', err));
      await admin.disconnect();
    },
  };
}

/**
 * kafkajs's Cluster.findGroupCoordinator (as kafka/src/coordinators.ts wraps it once @fraud/kafka
 * is loaded) bound to a stand-in cluster that answers `broker` and counts the lookups that reach it.
 */
export function coordinatorLookupOn(broker: { isConnected(): boolean }): {
  find: (args: { groupId: string; coordinatorType?: number }) => Promise<unknown>;
  calls: { n: number };
} {
  const Cluster = createRequire(import.meta.url)('kafkajs/src/cluster/index.js') as {
    prototype: { findGroupCoordinator: (args: { groupId: string; coordinatorType?: number }) => Promise<unknown> };
  };
  const calls = { n: 0 };
  const cluster = {
    retrier: <T>(fn: (bail: (e: Error) => never, n: number, t: number) => Promise<T>) =>
      fn(
        (e) => {
          throw e;
        },
        0,
        0,
      ),
    findGroupCoordinatorMetadata: async () => {
      calls.n++;
      return { coordinator: { nodeId: 1 } };
    },
    findBroker: async () => broker,
  };
  return { find: Cluster.prototype.findGroupCoordinator.bind(cluster), calls };
}
