import { createDlqWriter, type Kafka, type Producer } from '@fraud/kafka';
import type { Registry } from 'prom-client';
import type { Logger } from '@fraud/common';
import type { Label, ScoredTransaction, Topics } from '@fraud/schemas';
import type { SinkCodecs } from '../codecs.ts';
import { createBatchConsumer, type BatchConsumer } from '../kafka/batch-consumer.ts';
import { decodingHandler } from '../kafka/decoding-handler.ts';
import { createSinkMetrics } from '../kafka/sink-metrics.ts';
import { createBusinessMetrics } from './business-metrics.ts';

export interface MetricsSinkDeps {
  kafka: Kafka;
  producer: Producer;
  codecs: SinkCodecs;
  topics: Topics;
  groupId: string;
  registry: Registry;
  logger: Logger;
  sessionTimeoutMs?: number;
  windowMs: number;
  joinCacheSize: number;
}

/**
 * scored + labels -> Prometheus business metrics. The "write" is an in-memory update, so the
 * offsets are committed right after it; on restart the counters start again from zero (which
 * Prometheus' rate() handles as a counter reset) and the join cache refills as decisions flow.
 */
export function createMetricsSink(deps: MetricsSinkDeps): BatchConsumer {
  const sink = 'metrics';
  const metrics = createSinkMetrics(deps.registry, sink);
  const dlq = createDlqWriter({ producer: deps.producer, topic: deps.topics.dlq, service: `sink-${sink}` });
  const business = createBusinessMetrics({
    registry: deps.registry,
    windowMs: deps.windowMs,
    joinCacheSize: deps.joinCacheSize,
  });
  return createBatchConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    concurrency: 6,
    sink,
    logger: deps.logger,
    metrics,
    handlers: [
      decodingHandler<ScoredTransaction>({
        topic: deps.topics.scored,
        sink,
        dlq,
        metrics,
        decode: (b) => deps.codecs.scored.decode(b),
        write: async (records) => {
          for (const r of records) business.onScored(r.value);
          metrics.written.labels(sink, 'scored').inc(records.length);
        },
      }),
      decodingHandler<Label>({
        topic: deps.topics.labels,
        sink,
        dlq,
        metrics,
        decode: (b) => deps.codecs.label.decode(b),
        write: async (records) => {
          for (const r of records) business.onLabel(r.value);
          metrics.written.labels(sink, 'labels').inc(records.length);
        },
      }),
    ],
  });
}
