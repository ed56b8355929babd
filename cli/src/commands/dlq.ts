import type { Command } from 'commander';
import { createLogger, FraudError, kafkaEnvSchema, parseEnv } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { topicNames } from '@fraud/schemas';
import type { DlqEntry } from '@fraud/scorer';

/** Loaded on use, so other commands never pay for the scorer's dependencies. */
const scorer = () => import('@fraud/scorer');

const REASONS = 'DECODE_WRONG_MAGIC, DECODE_UNKNOWN_SCHEMA, DECODE_TRUNCATED, DECODE_FAILED, RECORD_INVALID';

function context() {
  const env = parseEnv(kafkaEnvSchema);
  const logger = createLogger('dlq', 'warn');
  return { env, logger, kafka: createKafka(env, 'fraud-dlq', logger), dlqTopic: topicNames(env.TOPIC_PREFIX).dlq };
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new FraudError('BAD_REQUEST', `${name} must be a positive integer, got "${v}"`);
  return n;
}

function table(entries: readonly DlqEntry[]): string {
  const rows = entries.map((e) => [
    `${e.dlqPartition}:${e.dlqOffset}`,
    e.code,
    `${e.topic}[${e.partition}]@${e.offset}`,
    e.timestamp > 0 ? new Date(e.timestamp).toISOString() : '-',
    e.key?.toString('utf8').slice(0, 24) ?? '(null)',
    e.message.replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const head = ['DLQ POS', 'REASON', 'ORIGIN', 'PUBLISHED', 'KEY', 'MESSAGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function register(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('the dead-letter queue (transactions.dlq): records the scorer could not process, with the reason');
  dlq
    .command('inspect')
    .description('list dead letters: position, reason, origin (topic[partition]@offset), key, message')
    .option('--limit <n>', 'show at most N records (oldest first)', '50')
    .option('--reason <code>', `only this reason: ${REASONS}`)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (o: { limit: string; reason?: string; json?: boolean }) => {
      const { kafka, dlqTopic, logger } = context();
      const { readDlq } = await scorer();
      const entries = await readDlq(
        kafka,
        dlqTopic,
        { limit: positiveInt('--limit', o.limit), code: o.reason },
        logger,
      );
      if (o.json) {
        for (const e of entries) {
          const { key, value, headers: _h, ...rest } = e;
          const record = {
            ...rest,
            key: key?.toString('utf8') ?? null,
            valueBase64: value?.toString('base64') ?? null,
          };
          process.stdout.write(`${JSON.stringify(record)}\n`);
        }
        return;
      }
      if (!entries.length) {
        process.stdout.write(`no dead letters on ${dlqTopic}${o.reason ? ` with reason ${o.reason}` : ''}\n`);
        return;
      }
      process.stdout.write(
        `${table(entries)}\n${entries.length} record(s) on ${dlqTopic}. Re-publish with: fraud dlq replay ` +
          `--offsets ${entries[0]!.dlqPartition}:${entries[0]!.dlqOffset}\n`,
      );
    });
  dlq
    .command('replay')
    .description('re-publish chosen dead letters (original key, bytes and headers) after a fix')
    .option('--offsets <list>', 'DLQ positions PARTITION:OFFSET, comma-separated (from `fraud dlq inspect`)')
    .option('--reason <code>', `every dead letter with this reason: ${REASONS}`)
    .option('--to <topic>', 'target topic (default: the topic each record came from)')
    .option('--dry-run', 'show what would be re-published, publish nothing')
    .action(async (o: { offsets?: string; reason?: string; to?: string; dryRun?: boolean }) => {
      if (!o.offsets === !o.reason)
        throw new FraudError(
          'BAD_REQUEST',
          'choose the records with exactly one of --offsets PARTITION:OFFSET,... or --reason CODE',
        );
      const { kafka, dlqTopic, logger } = context();
      const { parsePositions, readDlq, replayDlq } = await scorer();
      const positions = o.offsets ? parsePositions(o.offsets) : undefined;
      const entries = await readDlq(kafka, dlqTopic, { positions, code: o.reason }, logger);
      if (positions && entries.length < positions.size) {
        const found = new Set(entries.map((e) => `${e.dlqPartition}:${e.dlqOffset}`));
        throw new FraudError(
          'NOT_FOUND',
          `not on ${dlqTopic}: ${[...positions].filter((p) => !found.has(p)).join(', ')}; \`fraud dlq inspect\` ` +
            `lists the positions`,
        );
      }
      if (o.dryRun) {
        process.stdout.write(`${table(entries)}\n(dry run) would re-publish ${entries.length} record(s)\n`);
        return;
      }
      const n = await replayDlq(kafka, dlqTopic, entries, o.to);
      process.stdout.write(`re-published ${n} record(s) to ${o.to ?? 'their origin topic(s)'}\n`);
    });
}
