import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createLogger, FraudError } from '@fraud/common';
import { createKafka, producerConfig } from '@fraud/kafka';
import { topicNames } from '@fraud/schemas';
import {
  parsePolicyText,
  parseRetrainerEnv,
  publishRetrainPolicy,
  runRetrainer,
  validateRetrainPolicy,
} from '@fraud/retrainer';
import { exitAfterConsumerDeath, stopOnSignals } from '../lifecycle.ts';
import { envHelp } from '../config/catalogue.ts';
import { parseCliEnv } from '../config/env.ts';

/** `fraud retrainer`: the label-driven retraining service; `fraud retrainer policy ...` edits its policy. */
export function register(program: Command): void {
  const cmd = program
    .command('retrainer')
    .description(
      'run the retrainer: labels + scored -> training store -> challenger vs champion -> model-updates; API and ' +
        'metrics on :9474',
    )
    .addHelpText(
      'after',
      `${envHelp('retrainer')}
The policy can also be edited with PUT/PATCH /api/policy or the control topic (key retrain-policy).
See docs/retrainer.md.`,
    )
    .action(async () => {
      const env = parseRetrainerEnv();
      const logger = createLogger('retrainer', env.LOG_LEVEL);
      // Set once the service exists: kafkajs giving up on the ingest consumer stops it and exits 1.
      let onDeath: (err: unknown) => void = () => undefined;
      const svc = await runRetrainer(env, logger, {
        onConsumerDeath: (err) => onDeath(err),
        onProgress: (p) => {
          if (p.stage !== 'training' || (p.round ?? 0) % 25 === 0)
            logger.info({ run: p.runId, stage: p.stage, round: p.round, rounds: p.rounds }, 'run progress');
        },
      });
      process.stdout.write(
        `retrainer running; API and metrics on http://${env.RETRAINER_HOST}:${svc.port()} ` +
          `(champion ${svc.models.champion()?.version ?? 'none'})\n`,
      );
      stopOnSignals(svc, logger, 'stopping');
      onDeath = (err) => exitAfterConsumerDeath(err, svc, logger);
    });

  const policy = cmd.command('policy').description('show or set the retrain policy');
  policy
    .command('show')
    .description('print the policy in force (from the running service) as JSON')
    .action(async () => {
      const env = parseRetrainerEnv();
      const res = await fetch(`${env.RETRAINER_URL}/api/policy`).catch((err: unknown) => {
        throw new FraudError(
          'KAFKA_UNAVAILABLE',
          `no retrainer answers at ${env.RETRAINER_URL}; start it with \`fraud retrainer\``,
          { cause: err },
        );
      });
      process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
    });
  policy
    .command('set <file>')
    .description(
      'validate a JSON/YAML policy file and publish it to the control topic (every retrainer applies it live)',
    )
    .option('--actor <name>', 'who makes the edit (audit trail; default USER)')
    .action(async (file: string, o: { actor?: string }) => {
      const env = parseRetrainerEnv();
      const actor = o.actor ?? parseCliEnv().USER;
      const doc = parsePolicyText(await readFile(file, 'utf8'), file);
      const valid = validateRetrainPolicy({
        ...(doc as Record<string, unknown>),
        updatedBy: actor,
        updatedAt: Date.now(),
      });
      const kafka = createKafka(env, 'fraud-cli-policy');
      const producer = kafka.producer(producerConfig('idempotent'));
      await producer.connect();
      try {
        await publishRetrainPolicy(producer, topicNames(env.TOPIC_PREFIX), valid);
      } finally {
        await producer.disconnect();
      }
      process.stdout.write(
        `retrain policy from ${file} published to ${topicNames(env.TOPIC_PREFIX).control} (key retrain-policy) ` +
          `by ${actor}\n`,
      );
    });
}
