import type { Command } from 'commander';
import { FraudError, kafkaEnvSchema, parseEnv } from '@fraud/common';
import { createSchemaRegistryClient, type SchemaRegistryClient } from '@fraud/schemas';

function client(): SchemaRegistryClient {
  const env = parseEnv(kafkaEnvSchema.pick({ SCHEMA_REGISTRY_URL: true }));
  return createSchemaRegistryClient({ url: env.SCHEMA_REGISTRY_URL, retries: 2 });
}

function parseVersion(text: string): number | 'latest' {
  if (text === 'latest') return text;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new FraudError(
      'BAD_REQUEST',
      `--version ${JSON.stringify(text)}: expected a version number (1, 2, ...) or "latest"`,
    );
  return n;
}

export function register(program: Command): void {
  const schemas = program
    .command('schemas')
    .description('inspect the schema registry at SCHEMA_REGISTRY_URL (default http://127.0.0.1:8081)');
  schemas
    .command('list')
    .description('list subjects with their versions, latest schema id and compatibility level')
    .action(async () => {
      const c = client();
      const subjects = await c.subjects();
      if (subjects.length === 0) {
        process.stdout.write(`no subjects registered at ${c.url} (services register theirs when they start)\n`);
        return;
      }
      const rows = await Promise.all(
        subjects.map(async (subject) => {
          const [versions, latest, level] = await Promise.all([
            c.versions(subject),
            c.version(subject, 'latest'),
            c.compatibility(subject),
          ]);
          return [subject, versions.join(','), String(latest.id), level];
        }),
      );
      const table = [['SUBJECT', 'VERSIONS', 'LATEST ID', 'COMPATIBILITY'], ...rows];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
      for (const r of table)
        process.stdout.write(
          `${r
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd()}\n`,
        );
    });
  schemas
    .command('show')
    .description('print one version of a subject: id, version and the schema (pretty JSON)')
    .argument('<subject>', 'e.g. transactions-value')
    .option('--version <version>', 'version number or "latest"', 'latest')
    .action(async (subject: string, o: { version: string }) => {
      const c = client();
      const v = await c.version(subject, parseVersion(o.version)).catch((err: unknown) => {
        if (err instanceof FraudError && err.code === 'SCHEMA_NOT_FOUND') {
          throw new FraudError(
            'NOT_FOUND',
            `${err.message}\nRun \`fraud schemas list\` to see the subjects and versions.`,
            { cause: err },
          );
        }
        throw err;
      });
      process.stdout.write(
        `subject ${v.subject}  version ${v.version}  id ${v.id}\n${JSON.stringify(JSON.parse(v.schema), null, 2)}\n`,
      );
    });
}
