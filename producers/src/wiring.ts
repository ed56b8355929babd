import { createKafka, startMetricsServer, type Kafka, type Producer } from '@fraud/kafka';
import type { Registry } from 'prom-client';
import { createMetricsRegistry, FraudError, type Logger, retry } from '@fraud/common';
import { createCodecs, topicNames, type Topics } from '@fraud/schemas';
import type { ProducerEnv } from './env.ts';
import { createProducerMetrics, type ProducerMetrics } from './metrics.ts';
import { createIdempotentProducer, createPublisher, type Publisher } from './publisher.ts';

export interface Publishing {
  kafka: Kafka;
  producer: Producer;
  publisher: Publisher;
  topics: Topics;
  metrics: ProducerMetrics;
  registry: Registry;
  metricsPort: number | undefined;
  close(): Promise<void>;
}

export interface PublishingOptions {
  env: ProducerEnv;
  clientId: string;
  logger: Logger;
  /** undefined: env.PRODUCER_METRICS_PORT; null: no metrics endpoint. */
  metricsPort?: number | null;
  batchSize?: number;
}

/**
 * Connects everything a publishing command needs: schemas registered, topics checked, an
 * idempotent producer, the publisher and a /metrics endpoint. Nothing happens at import time.
 */
export async function openPublishing(options: PublishingOptions): Promise<Publishing> {
  const { env, logger } = options;
  const topics = topicNames(env.TOPIC_PREFIX);
  const kafka = createKafka(env, options.clientId, logger);
  await assertTopicsExist(kafka, [topics.transactions, topics.labels], env.KAFKA_BROKERS.join(','));
  const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
  const registry = createMetricsRegistry(options.clientId);
  const metrics = createProducerMetrics(registry);
  const port = options.metricsPort === undefined ? env.PRODUCER_METRICS_PORT : options.metricsPort;
  const server = port === null ? undefined : await startMetricsServer({ registry, port, host: '127.0.0.1' });
  const producer = createIdempotentProducer(kafka);
  await retry(() => producer.connect(), { retries: 3, isRetriable: () => true });
  const publisher = createPublisher({
    producer,
    topics,
    encoders: { transaction: codecs.transaction, label: codecs.label },
    batchSize: options.batchSize ?? env.PRODUCER_BATCH_SIZE,
    metrics,
    logger,
  });
  return {
    kafka,
    producer,
    publisher,
    topics,
    metrics,
    registry,
    metricsPort: server?.port,
    async close() {
      await producer.disconnect();
      await server?.close();
    },
  };
}

async function assertTopicsExist(kafka: Kafka, names: string[], brokers: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err: unknown) {
    throw new FraudError(
      'KAFKA_UNAVAILABLE',
      `cannot reach Kafka at ${brokers}: start it with \`fraud infra up\` or set KAFKA_BROKERS`,
      { cause: err, retriable: true },
    );
  }
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((t) => !existing.has(t));
    if (missing.length) {
      throw new FraudError(
        'CONFIG_INVALID',
        `topic(s) ${missing.join(', ')} do not exist on ${brokers}: create them with \`fraud infra topics\` ` +
          `(TOPIC_PREFIX must match)`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
