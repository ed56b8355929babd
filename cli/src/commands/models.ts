import type { Command } from 'commander';
import { openRetrainerClient, parseRetrainerEnv, type ModelSummary, type RetrainerClient } from '@fraud/retrainer';
import { parseCliEnv } from '../config/env.ts';
import { envHelp } from '../config/catalogue.ts';
import { table } from '../table.ts';

/**
 * `fraud models list|show|promote|rollback|retrain`: the model registry from the terminal. Talks
 * to the running retrainer (RETRAINER_URL) when it answers, else opens its store and Kafka directly.
 */
async function withClient<T>(fn: (c: RetrainerClient) => Promise<T>): Promise<T> {
  const client = await openRetrainerClient(parseRetrainerEnv());
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const fmt = (x: number | null, digits = 4): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const when = (t: number | null): string =>
  t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19);

export function formatModelTable(models: readonly ModelSummary[]): string {
  const head = [
    'VERSION',
    'STATUS',
    'CREATED (UTC)',
    'TRIGGER',
    'AUPRC',
    'RECALL',
    'PRECISION',
    'FPR',
    'COST',
    'REASON',
  ];
  const rows = models.map((m) => [
    m.version,
    m.status,
    when(m.createdAt),
    m.trigger ?? '-',
    fmt(m.aucpr),
    fmt(m.recall),
    fmt(m.precision),
    fmt(m.fpr, 5),
    fmt(m.cost, 0),
    m.reason.length > 70 ? `${m.reason.slice(0, 67)}...` : m.reason,
  ]);
  return table(head, rows);
}

export function register(program: Command): void {
  const models = program
    .command('models')
    .description('the model registry: list, show, promote, roll back, retrain (through the retrainer)')
    .addHelpText(
      'after',
      `
Uses the running retrainer at RETRAINER_URL (http://127.0.0.1:9474) when it answers; otherwise opens
RETRAINER_DB_PATH and MODEL_ARTIFACTS_DIR directly and publishes to model-updates itself.
${envHelp('retrainer')}`,
    );
  registerList(models);
  registerShow(models);
  registerPublish(models);
  registerRetrain(models);
}

function registerList(models: Command): void {
  models
    .command('list')
    .description('every trained version with its holdout metrics and status (champion, shadow, retired, rejected...)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withClient(async (c) => {
        const list = await c.list();
        process.stdout.write(
          o.json
            ? `${JSON.stringify(list, null, 2)}\n`
            : list.length
              ? `${formatModelTable(list)}\n`
              : 'no models yet: train one with `fraud model train` or `fraud models retrain --force`\n',
        );
      }),
    );
}

function registerShow(models: Command): void {
  models
    .command('show <version>')
    .description(
      'one version: its run (trigger, windows, champion vs challenger metrics, decision), metadata and publications',
    )
    .option('--json', 'print JSON (default for now: the details are nested)')
    .action((version: string) =>
      withClient(async (c) => {
        const d = await c.show(version);
        const { metadata, ...rest } = d;
        const slim =
          metadata === null
            ? null
            : Object.fromEntries(
                Object.entries(metadata).filter(([k]) => !['prCurve', 'costCurve', 'featureImportance'].includes(k)),
              );
        process.stdout.write(`${JSON.stringify({ ...rest, metadata: slim }, null, 2)}\n`);
      }),
    );
}

/** promote and rollback: both publish on model-updates. */
function registerPublish(models: Command): void {
  models
    .command('promote <version>')
    .description(
      'publish an artifact from MODEL_ARTIFACTS_DIR as the champion (or as shadow) on model-updates; scorers swap live',
    )
    .option('--shadow', 'publish as SHADOW: scored beside the champion, judged on live labels')
    .option('--actor <name>', 'who does it (audit trail; default USER)')
    .action((version: string, o: { shadow?: boolean; actor?: string }) =>
      withClient(async (c) => {
        const r = await c.promote(version, { shadow: o.shadow === true, actor: actorOf(o) });
        process.stdout.write(
          `${r.version} published as ${r.role} (sha256 ${r.sha256.slice(0, 12)}...) via ${c.mode} mode\n`,
        );
      }),
    );

  models
    .command('rollback')
    .description('republish the previous champion')
    .option('--actor <name>', 'who does it (audit trail; default USER)')
    .action((o: { actor?: string }) =>
      withClient(async (c) => {
        const r = await c.rollback({ actor: actorOf(o) });
        process.stdout.write(`rolled back: ${r.version} is the champion again\n`);
      }),
    );
}

function registerRetrain(models: Command): void {
  models
    .command('retrain')
    .description('run a retraining now if the policy says one is due (--force: regardless); prints the outcome and why')
    .option('--force', 'retrain even if no trigger fired')
    .option('--actor <name>', 'who asks (audit trail; default USER)')
    .option('--json', 'print the run record as JSON')
    .action((o: { force?: boolean; actor?: string; json?: boolean }) =>
      withClient(async (c) => {
        let last = '';
        const run = await c.retrain({
          force: o.force === true,
          actor: actorOf(o),
          onProgress: (line) => {
            if (line !== last) process.stderr.write(`  ${line}\n`);
            last = line;
          },
        });
        process.stdout.write(o.json ? `${JSON.stringify(run, null, 2)}\n` : formatRun(run));
      }),
    );
}

type RunOutcome = Awaited<ReturnType<RetrainerClient['retrain']>>;

/** A run's outcome in a few lines: status and reason, sizes, challenger and champion metrics. */
function formatRun(run: RunOutcome): string {
  type Metrics = { aucpr?: number; recall?: number; precision?: number } | null;
  const ch = run.challengerMetrics as Metrics;
  const cm = run.championMetrics as Metrics;
  const quality = (m: NonNullable<Metrics>): string =>
    `AUPRC ${fmt(m.aucpr ?? null)} recall ${fmt(m.recall ?? null)} precision ${fmt(m.precision ?? null)}`;
  return (
    [
      `run ${run.runId}: ${run.version} ${run.status.toUpperCase()}`,
      `  reason: ${run.reason}`,
      `  train ${run.trainRows ?? '-'} rows (${run.trainPositives ?? '-'} frauds), ` +
        `holdout ${run.holdoutRows ?? '-'} rows (${run.holdoutPositives ?? '-'} frauds)`,
      ch ? `  challenger: ${quality(ch)}` : '',
      cm ? `  champion ${run.championVersion}: ${quality(cm)}` : '',
    ]
      .filter(Boolean)
      .join('\n') + '\n'
  );
}

/** --actor, else the login name (USER) from the CLI's environment. */
function actorOf(o: { actor?: string }): string {
  return o.actor ?? parseCliEnv().USER;
}
