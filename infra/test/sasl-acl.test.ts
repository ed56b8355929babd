import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  createKafka,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from '@fraud/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaEnvSchema, parseEnv, waitFor } from '@fraud/common';
import { startKafka, stopKafka, type KafkaRuntimeOptions } from '../src/kafka-runtime.ts';

/**
 * Secure Kafka, for real: a second local broker with SASL_PLAINTEXT + SCRAM-SHA-256 and the
 * KRaft StandardAuthorizer, users created at format time, ACLs per service. Every client is
 * built by the project's own createKafka from KAFKA_SASL_* settings, as services build theirs.
 */
const port = 19_092 + Math.floor(Math.random() * 500);
const pw = () => randomBytes(12).toString('base64url');
const users = { admin: pw(), scorer: pw(), simulator: pw() };
const runtime: KafkaRuntimeOptions = {
  dataDir: mkdtempSync(join(tmpdir(), 'kafka-sasl-')),
  port,
  controllerPort: port + 1,
  heapMb: 384,
  extraProperties: {
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
      `username="admin" password="${users.admin}";`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The controller listener is loopback PLAINTEXT inside the one process (ANONYMOUS).
    'super.users': 'User:admin;User:ANONYMOUS',
    'allow.everyone.if.no.acl.found': 'false',
  },
  formatArgs: Object.entries(users).flatMap(([name, password]) => [
    '--add-scram',
    `SCRAM-SHA-256=[name=${name},password=${password}]`,
  ]),
};

function client(user: keyof typeof users, password = users[user]): Kafka {
  const env = parseEnv(kafkaEnvSchema, {
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD: password,
  });
  const kafka = createKafka(env, `sasl-${user}`);
  return kafka;
}

const allow = (
  principal: string,
  resourceType: AclResourceTypes,
  resourceName: string,
  operation: AclOperationTypes,
  pattern = ResourcePatternTypes.LITERAL,
) => ({
  resourceType,
  resourceName,
  resourcePatternType: pattern,
  principal,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

describe('Kafka with SASL/SCRAM and ACLs: each service reaches only its own topics and groups', () => {
  beforeAll(async () => {
    await startKafka({
      ...runtime,
      readyProbe: async () => {
        // A quiet client: refused connections are expected while the broker starts.
        const admin = new Kafka({
          brokers: [`127.0.0.1:${port}`],
          logLevel: logLevel.NOTHING,
          retry: { retries: 0 },
          sasl: { mechanism: 'scram-sha-256', username: 'admin', password: users.admin },
        }).admin();
        try {
          await admin.connect();
          return (await admin.describeCluster()).brokers.length > 0;
        } finally {
          await admin.disconnect();
        }
      },
    });
    const admin = client('admin').admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: ['transactions', 'scored', 'labels'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    });
    await admin.createAcls({
      acl: [
        allow('User:simulator', AclResourceTypes.TOPIC, 'transactions', AclOperationTypes.WRITE),
        allow('User:simulator', AclResourceTypes.TOPIC, 'labels', AclOperationTypes.WRITE),
        allow('User:simulator', AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.IDEMPOTENT_WRITE),
        allow('User:scorer', AclResourceTypes.TOPIC, 'transactions', AclOperationTypes.READ),
        allow('User:scorer', AclResourceTypes.TOPIC, 'scored', AclOperationTypes.WRITE),
        allow('User:scorer', AclResourceTypes.GROUP, 'fraud-scorer', AclOperationTypes.READ),
        allow(
          'User:scorer',
          AclResourceTypes.TRANSACTIONAL_ID,
          'fraud-scorer',
          AclOperationTypes.WRITE,
          ResourcePatternTypes.PREFIXED,
        ),
        allow(
          'User:scorer',
          AclResourceTypes.TRANSACTIONAL_ID,
          'fraud-scorer',
          AclOperationTypes.DESCRIBE,
          ResourcePatternTypes.PREFIXED,
        ),
      ],
    });
    await admin.disconnect();
  }, 180_000);
  afterAll(async () => {
    await stopKafka(runtime);
  });

  it('refuses a wrong password', async () => {
    const p = client('simulator', 'not-the-password').producer();
    await expect(p.connect()).rejects.toThrow(/SASL|authentication|Authentication/);
  });

  it('lets the simulator write transactions and labels, and nothing else', async () => {
    const p = client('simulator').producer({ idempotent: true });
    await p.connect();
    await p.send({ topic: 'transactions', acks: -1, messages: [{ key: 'C1', value: 'tx-1' }] });
    await p.send({ topic: 'labels', acks: -1, messages: [{ key: 'tx-1', value: 'label' }] });
    await expect(p.send({ topic: 'scored', acks: -1, messages: [{ value: 'forged decision' }] })).rejects.toThrow(
      /authoriz/i,
    );
    await p.disconnect();
  });

  it('lets the scorer read transactions in its group and write scored in a transaction, and nothing else', async () => {
    const kafka = client('scorer');
    const consumer = kafka.consumer({ groupId: 'fraud-scorer' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'transactions', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await waitFor(() => seen.includes('tx-1'), { timeoutMs: 30_000, what: 'the scorer to read transactions' });
    await consumer.disconnect();

    const tx = kafka.producer({
      transactionalId: 'fraud-scorer-transactions-0',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await tx.connect();
    const t = await tx.transaction();
    await t.send({ topic: 'scored', messages: [{ key: 'C1', value: 'decision' }] });
    await t.commit();
    await tx.disconnect();

    // Another service's group is out of reach: the broker refuses FindCoordinator for it.
    // kafkajs reports that as "coordinator not found" and keeps the broker's error code in
    // its debug log, which is where this test reads it.
    const codes: string[] = [];
    const spy = new Kafka({
      brokers: [`127.0.0.1:${port}`],
      sasl: { mechanism: 'scram-sha-256', username: 'scorer', password: users.scorer },
      retry: { retries: 2, initialRetryTime: 50 },
      logLevel: logLevel.DEBUG,
      logCreator:
        () =>
        ({ log }) =>
          void codes.push(JSON.stringify(log)),
    }).admin();
    await spy.connect();
    await expect(spy.fetchOffsets({ groupId: 'fraud-sink-warehouse', topics: ['transactions'] })).rejects.toThrow();
    await spy.disconnect();
    expect(codes.join('\n')).toMatch(/Group authorization failed|GROUP_AUTHORIZATION_FAILED/i);

    const p = kafka.producer();
    await p.connect();
    await expect(p.send({ topic: 'labels', messages: [{ value: 'forged label' }] })).rejects.toThrow(/authoriz/i);
    await p.disconnect();
  });
});
