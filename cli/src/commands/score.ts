import type { Command } from 'commander';
import { createLogger } from '@fraud/common';
import { exitOnConsumerDeath, stopOnSignals } from '../lifecycle.ts';
import { envHelp } from '../config/catalogue.ts';

/** `fraud scorer`: one scorer instance; run several for more throughput (same SCORER_GROUP_ID). */
export function register(program: Command): void {
  program
    .command('scorer')
    .description(
      'score the transactions topic: exactly-once consumer group -> scored (+ DLQ); metrics on :9470/metrics',
    )
    .addHelpText('after', `${envHelp('scorer')}\nSee docs/scorer.md.`)
    .action(async () => {
      // Loaded on use: `fraud --help` and other commands never pay for onnxruntime and kafkajs here.
      const { disablePretenuring, parseScorerEnv, runScorer } = await import('@fraud/scorer');
      const env = parseScorerEnv();
      // Before any state is built: short-lived batches die young (docs/scorer.md, garbage collection).
      if (env.SCORER_GC_PRETENURING === 'off') disablePretenuring();
      const logger = createLogger('scorer', env.LOG_LEVEL);
      const svc = await runScorer(env, logger);
      process.stdout.write(`scorer running (group ${env.SCORER_GROUP_ID}); metrics on :${svc.metricsPort}/metrics\n`);
      stopOnSignals(svc, logger, 'stopping: finishing the batch in flight');
      exitOnConsumerDeath(svc.loop.consumer, svc, logger);
    });
}
