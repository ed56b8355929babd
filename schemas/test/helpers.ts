import { createLogger } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import type { Kafka } from '@fraud/kafka';
import { createRegistryServer, type RegistryServer } from '../src/index.ts';

/**
 * An embedded registry on a free port over a unique storage topic. Topics created along the
 * way (the storage topic included) are deleted by cleanup().
 */
export interface TestRegistry {
  url: string;
  topic: string;
  kafka: Kafka;
  topics: TestTopics;
  /** A further server over the same topic (a second instance, or a restart). */
  another(): Promise<{ url: string; server: RegistryServer }>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestRegistry(prefix = 'schemas-test'): Promise<TestRegistry> {
  const kafka = testKafka(uniqueName(prefix));
  const topics = await testTopics(kafka);
  const topic = await topics.create(uniqueName(`${prefix}-_schemas`), 1, { 'cleanup.policy': 'compact' });
  const logger = createLogger('registry-test', 'warn');
  const servers: RegistryServer[] = [];
  const startOne = async () => {
    const server = createRegistryServer({ kafka, topic, logger, port: 0, timeoutMs: 60_000 });
    servers.push(server);
    const { url } = await server.start();
    return { url, server };
  };
  const first = await startOne();
  return {
    url: first.url,
    topic,
    kafka,
    topics,
    another: startOne,
    stop: () => first.server.stop(),
    async cleanup() {
      await Promise.all(servers.map((s) => s.stop()));
      await topics.cleanup();
    },
  };
}

/** A request to the registry, returning status, content type and parsed JSON body. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  raw?: string,
): Promise<{ status: number; type: string; body: unknown }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
}
