import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { FraudError } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { formatReport, loadModelArtifact } from '@fraud/model';
import { createCodecs, topicNames } from '@fraud/schemas';
import {
  openRetrainerClient,
  parseRetrainerEnv,
  readCsvRows,
  readTopicRange,
  runBacktest,
  type BacktestRow,
} from '@fraud/retrainer';
import { envHelp } from '../config/catalogue.ts';

/**
 * `fraud backtest`: replay a topic time range (by offsets) or a PaySim CSV through a model
 * version offline, in event-time order with the scorer's feature code; evaluate against the
 * labels (overall, per type, per typology); store the result for the console.
 */
const time =
  (name: string) =>
  (v: string): number => {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t))
      throw new InvalidArgumentError(`${name} must be an ISO time (2026-01-02T03:00Z) or epoch millis`);
    return t;
  };
const hours = (v: string): number => {
  const n = Number(v);
  if (!(n >= 0)) throw new InvalidArgumentError('--warmup-hours must be a number >= 0');
  return n;
};

function progress(label: string): { update(done: number, total: number): void; stop(): void } {
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta}s`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastPct = -10;
  return {
    update(done, total) {
      if (bar) {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.setTotal(total);
        bar.update(done);
        return;
      }
      const pct = total === 0 ? 100 : Math.floor((100 * done) / total);
      if (pct >= lastPct + 10) {
        process.stderr.write(`${label}: ${done}/${total} (${pct}%)\n`);
        lastPct = pct;
      }
    },
    stop() {
      if (started) bar?.stop();
    },
  };
}

interface Opts {
  model: string;
  from?: number;
  to?: number;
  csv?: string;
  warmupHours: number;
  json?: boolean;
  out?: string;
  store: boolean;
}

async function backtest(o: Opts): Promise<void> {
  const env = parseRetrainerEnv();
  if (o.csv === undefined && (o.from === undefined || o.to === undefined))
    throw new FraudError('BAD_REQUEST', 'give --from and --to (a range of the transactions topic) or --csv FILE');
  if (o.from !== undefined && o.to !== undefined && o.to < o.from)
    throw new FraudError('BAD_REQUEST', '--to is before --from');
  const dir = o.model.includes('/') ? o.model : `${env.MODEL_ARTIFACTS_DIR}/${o.model}`;
  const art = await loadModelArtifact(dir);
  try {
    let rows: BacktestRow[];
    let source: string;
    const read = progress('reading');
    if (o.csv !== undefined) {
      rows = await readCsvRows(o.csv, (n) => read.update(n, n));
      source = `csv:${o.csv}`;
    } else {
      const topics = topicNames(env.TOPIC_PREFIX);
      const kafka = createKafka(env, 'fraud-cli-backtest');
      const codecs = await createCodecs({ registryUrl: env.SCHEMA_REGISTRY_URL, topics });
      const r = await readTopicRange({
        kafka,
        codecs,
        topics,
        from: o.from ?? 0,
        to: o.to ?? 0,
        warmupMs: o.warmupHours * 3_600_000,
        onProgress: (d, t) => read.update(d, t),
      });
      rows = r.rows;
      if (r.skipped) process.stderr.write(`${r.skipped} undecodable records skipped (see the DLQ tools)\n`);
      source = `topic:${topics.transactions}`;
    }
    read.stop();
    const score = progress('scoring');
    const { record, report } = await runBacktest({
      art,
      rows,
      source,
      ...(o.from === undefined ? {} : { evalFrom: o.from }),
      ...(o.to === undefined ? {} : { evalTo: o.to }),
      onProgress: (d, t) => score.update(d, t),
    });
    score.stop();
    if (o.store) {
      const client = await openRetrainerClient(env);
      try {
        await client.saveBacktest(record);
      } finally {
        await client.close();
      }
    }
    const json = {
      backtestId: record.backtestId,
      model: art.metadata.version,
      source,
      from: o.from ?? null,
      to: o.to ?? null,
      ...report,
      prCurve: undefined,
    };
    if (o.out) {
      await mkdir(dirname(o.out), { recursive: true });
      await writeFile(o.out, `${JSON.stringify(json, null, 2)}\n`);
    }
    if (o.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    else {
      const typ = Object.entries(report.byTypology).map(
        ([k, v]) =>
          `  ${k.padEnd(20)} frauds ${String(v.frauds).padStart(6)}  caught ${String(v.caught).padStart(6)}  ` +
          `recall ${Number.isFinite(v.recall) ? v.recall.toFixed(4) : '-'}`,
      );
      const title = `backtest of ${art.metadata.version} on ${source}`;
      const byTypology = typ.length ? `per typology:\n${typ.join('\n')}\n` : '';
      const stored = o.store ? `stored as backtest ${record.backtestId}\n` : '';
      process.stdout.write(`${formatReport(report, title)}\n${byTypology}${stored}`);
    }
  } finally {
    await art.model.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('backtest')
    .description(
      'replay the transactions topic (a time range, by offsets) or a PaySim CSV through a model version; evaluate ' +
        'against the labels',
    )
    .requiredOption('--model <version|dir>', 'a version in MODEL_ARTIFACTS_DIR or an artifact directory')
    .option('--from <time>', 'start of the range (ISO time or epoch ms; Kafka record timestamps)', time('--from'))
    .option('--to <time>', 'end of the range', time('--to'))
    .option('--csv <file>', 'a Kaggle-format PaySim CSV instead of the topic')
    .option('--warmup-hours <h>', 'history read before --from to warm the stateful features (not evaluated)', hours, 24)
    .option('--out <file.json>', 'also write the JSON report to this file')
    .option('--no-store', 'do not store the result in the retrainer (the console lists stored backtests)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  fraud backtest --model rt-20260101120000-abc123 --from 2026-01-01T00:00Z --to 2026-01-02T00:00Z
  fraud backtest --model model-artifacts/v1 --csv fixtures/paysim/paysim-head-5330.csv --json
${envHelp('retrainer')}`,
    )
    .action((o: Opts) => backtest(o));
}
