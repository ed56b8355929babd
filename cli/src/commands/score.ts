import type { Command } from 'commander';
import { createLogger } from '@fraud/common';
import { stopOnSignals } from '../lifecycle.ts';

/** `fraud scorer`: one scorer instance; run several for more throughput (same SCORER_GROUP_ID). */
export function register(program: Command): void {
  program
    .command('scorer')
    .description(
      'score the transactions topic: exactly-once consumer group -> scored (+ DLQ); metrics on :9470/metrics',
    )
    .addHelpText(
      'after',
      `
Configuration (environment):
  KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX     where the topics and schemas are
  SCORER_GROUP_ID (fraud-scorer)                        consumer group; instances with the same id share partitions
  SCORER_METRICS_PORT (9470)                            Prometheus /metrics and /healthz
  MODEL_BOOTSTRAP_DIR                                   model-artifacts/<version>/ served when model-updates has no champion
  SCORER_MAX_BATCH (5000), SCORER_MAX_BYTES_PER_PARTITION (1 MiB), SCORER_FETCH_MAX_WAIT_MS (5),
  SCORER_PARTITIONS_CONCURRENTLY (6), SCORER_EXPLAIN_TOP_K (5), LOG_LEVEL (info)
  SCORER_MAX_EVENT_AHEAD_MS (1 day)                     eventTime further ahead of the clock is dead-lettered
  SCORER_DEST_VIEW_WAIT_MS (2000)                       longest a batch waits for the global destination view
  SCORER_DEST_VIEW_LOOKBACK_MS (26 h)                   history the destination view reads at start-up
  SCORER_RESTORE_TIMEOUT_MS (5 min)                     deadline for a partition's state restore and the view's first read
See docs/scorer.md.`,
    )
    .action(async () => {
      // Loaded on use: `fraud --help` and other commands never pay for onnxruntime and kafkajs here.
      const { parseScorerEnv, runScorer } = await import('@fraud/scorer');
      const env = parseScorerEnv();
      const logger = createLogger('scorer', env.LOG_LEVEL);
      const svc = await runScorer(env, logger);
      process.stdout.write(`scorer running (group ${env.SCORER_GROUP_ID}); metrics on :${svc.metricsPort}/metrics\n`);
      stopOnSignals(svc, logger, 'stopping: finishing the batch in flight');
    });
}
