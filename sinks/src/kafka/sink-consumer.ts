import { createDlqWriter, type DlqWriter, type Kafka, type Producer } from '@fraud/kafka';
import type { Registry } from 'prom-client';
import type { Logger } from '@fraud/common';
import type { Label, ModelUpdate, ScoredTransaction, Topics } from '@fraud/schemas';
import type { SinkCodecs } from '../codecs.ts';
import { createBatchConsumer, type BatchConsumer } from './batch-consumer.ts';
import { decodingHandler, type DecodingHandlerDeps, type TopicHandler } from './decoding-handler.ts';
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

/** The records a sink can consume, by input topic. */
export interface SinkInputs {
  scored: ScoredTransaction;
  labels: Label;
  modelUpdates: ModelUpdate;
}

/** What a sink's topic handlers share: its name (the metrics' `sink` label), its DLQ writer and metrics. */
export interface SinkContext {
  sink: string;
  dlq: DlqWriter;
  metrics: SinkMetrics;
  /** The handler of one input topic: decode with the topic's codec, write, dead-letter what fails. */
  handle<K extends keyof SinkInputs>(
    input: K,
    write: DecodingHandlerDeps<SinkInputs[K]>['write'],
    opts?: { skipTombstones?: boolean },
  ): TopicHandler;
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
    handlers: opts.handlers(sinkContext(deps, { sink, dlq, metrics })),
  });
}

function sinkContext(deps: SinkDeps, shared: Omit<SinkContext, 'handle'>): SinkContext {
  const decoders: { [K in keyof SinkInputs]: (buf: Buffer) => Promise<SinkInputs[K]> } = {
    scored: (b) => deps.codecs.scored.decode(b),
    labels: (b) => deps.codecs.label.decode(b),
    modelUpdates: (b) => deps.codecs.modelUpdate.decode(b),
  };
  return {
    ...shared,
    handle: (input, write, opts = {}) =>
      decodingHandler({ ...shared, ...opts, topic: deps.topics[input], decode: decoders[input], write }),
  };
}
