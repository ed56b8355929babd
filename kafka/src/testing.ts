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
