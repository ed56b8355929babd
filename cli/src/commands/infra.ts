import type { Command } from 'commander';
import { kafkaEnvSchema, parseEnv } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { ensureTopics, stackDown, stackReset, stackStatus, stackUp } from '@fraud/infra';
import { positiveInt } from '../args.ts';
import { envCommand } from '../config/catalogue.ts';

const log = (s: string) => process.stdout.write(`${s}\n`);

export function register(program: Command): void {
  const infra = envCommand(
    program,
    'infra',
    'the local runtime: Apache Kafka (KRaft), topics, schema registry',
    'infra',
  );
  infra
    .command('up')
    .description('start Kafka and the schema registry, create missing topics (safe to run twice)')
    .option('--partitions <n>', 'partitions of the data topics', positiveInt('--partitions'), 6)
    .action(async ({ partitions }: { partitions: number }) => {
      await stackUp({ log, partitions });
      await printStatus();
    });
  infra
    .command('topics')
    .description('create the missing topics on the configured cluster (KAFKA_BROKERS), e.g. in a container')
    .option('--partitions <n>', 'partitions of the data topics', positiveInt('--partitions'), 6)
    .action(async ({ partitions }: { partitions: number }) => {
      const env = parseEnv(kafkaEnvSchema);
      const admin = createKafka(env, 'fraud-topics').admin();
      await admin.connect();
      try {
        const created = await ensureTopics(admin, { partitions, prefix: env.TOPIC_PREFIX });
        log(created.length ? `created: ${created.join(', ')}` : 'all topics exist');
      } finally {
        await admin.disconnect();
      }
    });
  infra
    .command('down')
    .description('stop every local service and the broker, cleanly')
    .action(async () => stackDown({ log }));
  infra.command('status').description('what runs where').action(printStatus);
  infra
    .command('reset')
    .description('stop everything and DELETE topics, local data and trained models')
    .option('--yes-delete-everything', 'confirm: without it nothing is deleted')
    .action(async (o: { yesDeleteEverything?: boolean }) => {
      if (!o.yesDeleteEverything) {
        throw new Error(
          'reset deletes all topics, the warehouse and trained models; run again with --yes-delete-everything to ' +
            'confirm',
        );
      }
      const removed = await stackReset({ log });
      log(removed.length ? `removed:\n  ${removed.join('\n  ')}` : 'nothing to remove');
    });
}

async function printStatus(): Promise<void> {
  const rows = await stackStatus();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows)
    log(`${r.name.padEnd(w)}  ${r.running ? `up   pid ${String(r.pid).padEnd(7)}` : 'down             '}  ${r.where}`);
}
