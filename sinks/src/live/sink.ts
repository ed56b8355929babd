import type { ScoredTransaction } from '@fraud/schemas';
import type { BatchConsumer } from '../kafka/batch-consumer.ts';
import { scoredColumns } from '../scored-columns.ts';
import { createSinkConsumer, type SinkDeps } from '../kafka/sink-consumer.ts';
import { StatsAggregator } from './aggregator.ts';
import type { LiveFeed } from './feed-server.ts';

/** A stable pseudo-random draw in [0, 1) from the txId (FNV-1a), so sampling is reproducible. */
export function sampleDraw(txId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < txId.length; i++) {
    h ^= txId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000;
}

/** The decision as the console shows it: flat JSON, amounts in minor units, times in epoch ms. */
export function feedPayload(s: ScoredTransaction): Record<string, unknown> {
  return {
    ...scoredColumns(s),
    reasons: s.reasons,
    latencyMs: s.source ? s.scoredAt - s.source.publishedAt : null,
  };
}

export interface LiveSinkDeps extends SinkDeps {
  feed: LiveFeed;
  approveSampleRate: number;
  fromBeginning: boolean;
  statsIntervalMs?: number;
}

/**
 * scored -> the Socket.io feed: every REVIEW and BLOCK, a sample of APPROVEs, and one-second
 * aggregates of everything. Emitting only queues into per-client buffers, so the consumer
 * commits at its own pace whatever the clients do.
 */
export function createLiveSink(deps: LiveSinkDeps): BatchConsumer {
  const agg = new StatsAggregator(Date.now());
  let timer: NodeJS.Timeout | undefined;
  const inner = createSinkConsumer(deps, {
    sink: 'live',
    concurrency: 6,
    fromBeginning: deps.fromBeginning,
    maxChunk: 500,
    handlers: (ctx) => [
      ctx.handle('scored', async (records) => {
        for (const { value } of records) {
          agg.add(value);
          if (value.decision !== 'APPROVE' || sampleDraw(value.transaction.txId) < deps.approveSampleRate)
            deps.feed.publishDecision(feedPayload(value));
        }
        ctx.metrics.written.labels(ctx.sink, 'feed').inc(records.length);
      }),
    ],
  });
  return {
    ...inner,
    async start() {
      timer = setInterval(() => deps.feed.publishStats(agg.flush(Date.now())), deps.statsIntervalMs ?? 1000);
      timer.unref();
      await inner.start();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await inner.stop();
    },
  };
}
