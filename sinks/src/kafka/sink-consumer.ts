import { createDlqWriter, type DlqWriter, type Kafka, type Producer } from '@fraud/kafka';
import type { Registry } from 'prom-client';
import type { Logger } from '@fraud/common';
import type { Topics } from '@fraud/schemas';
import type { SinkCodecs } from '../codecs.ts';
import { createBatchConsumer, type BatchConsumer } from './batch-consumer.ts';
import type { TopicHandler } from './decoding-handler.ts';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.ts';

/** What every sink is built from (the service wires one set per sink process). */
export interface SinkDeps {
  kafka: Kafka;
  producer: Producer;
  codecs: SinkCodecs;
  topics: Topics;
  groupId: string;
  registry: Registry;
  logger: Logger;
  sessionTimeoutMs?: number;
}

/** What a sink's topic handlers share: its name (the metrics' `sink` label), its DLQ writer and metrics. */
export interface SinkContext {
  sink: string;
  dlq: DlqWriter;
  metrics: SinkMetrics;
}

export interface SinkConsumerOptions {
  sink: string;
  /** One handler per topic the sink consumes, built with the sink's shared context. */
  handlers: (ctx: SinkContext) => TopicHandler[];
  concurrency?: number;
  maxChunk?: number;
  fromBeginning?: boolean;
}

/**
 * A sink's consumer group with its technical metrics and its dead-letter writer on the DLQ topic
 * (service `sink-<name>`): the part every sink has, so each sink only says what it consumes.
 */
export function createSinkConsumer(deps: SinkDeps, opts: SinkConsumerOptions): BatchConsumer {
  const { sink } = opts;
  const metrics = createSinkMetrics(deps.registry, sink);
  const dlq = createDlqWriter({ producer: deps.producer, topic: deps.topics.dlq, service: `sink-${sink}` });
  return createBatchConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    sink,
    logger: deps.logger,
    metrics,
    concurrency: opts.concurrency,
    maxChunk: opts.maxChunk,
    fromBeginning: opts.fromBeginning,
    handlers: opts.handlers({ sink, dlq, metrics }),
  });
}
