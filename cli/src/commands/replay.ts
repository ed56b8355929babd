import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { FraudError } from '@fraud/common';
import { BUILTIN_MAPPINGS, loadMapping } from '@fraud/model/csv';
import {
  createProgress,
  createRejectFile,
  DEFAULT_LABEL_POLICY,
  formatDuration,
  parseDuration,
  runReplay,
  type LabelPolicy,
  type ReplaySummary,
} from '@fraud/producers';
import { argParser, fraction, positiveInt } from '../args.ts';
import { metricsNote, publishingOptions, runPublishing } from '../publishing.ts';
import { envHelp } from '../config/catalogue.ts';

interface ReplayFlags {
  csv: string;
  mapping: string;
  labelDelay?: number;
  strict?: boolean;
  rejects?: string;
  rate?: number;
  labels: boolean;
  epoch?: string;
  fraudLabelDelay?: number;
  legitLabelDelay?: number;
  legitLabelRate?: number;
  metricsPort?: number;
  batchSize?: number;
}

const durationArg = argParser((v) => parseDuration(v));

export function register(program: Command): void {
  const command = program
    .command('replay')
    .description('stream a CSV (Kaggle PaySim by default, any layout with --mapping) to transactions, labels delayed')
    .requiredOption(
      '--csv <file>',
      'the CSV; with the default mapping a PaySim CSV (step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,' +
        'nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud)',
    )
    .option(
      '--mapping <name|file>',
      `column mapping: a built-in (${BUILTIN_MAPPINGS.join(', ')}) or a JSON file (docs/import.md)`,
      'paysim',
    )
    .option(
      '--label-delay <time>',
      "every row's label is published at row time + this (e.g. 7d, 12h); default: the delay options below",
      durationArg,
    )
    .option('--strict', 'stop at the first malformed row and exit non-zero (default: reject it and go on)')
    .option(
      '--rejects <file>',
      'where malformed rows go, with line number and reason (default ./<csv name>.rejects.csv)',
    )
    .option(
      '--rate <rows/s>',
      'publish at most this many rows per second (default: as fast as possible)',
      positiveInt('--rate'),
    )
    .option('--no-labels', 'do not publish the label column (isFraud for PaySim) as delayed labels')
    .option(
      '--epoch <iso>',
      "eventTime of step 0 for step-timed mappings (default: the mapping's, 2026-01-01T00:00:00Z for paysim)",
    )
    .option(
      '--fraud-label-delay <time>',
      'median delay before fraud is confirmed, simulated time (default 6h, log-normal, 5m..3d)',
      durationArg,
    )
    .option(
      '--legit-label-delay <time>',
      'maturity window before a legitimate row is labelled (default 1d)',
      durationArg,
    )
    .option('--legit-label-rate <r>', 'fraction of legitimate rows that get a label (default 1)', fraction);
  publishingOptions(command)
    .addHelpText(
      'after',
      '\nExamples:\n  fraud replay --csv fixtures/paysim/paysim-head-5330.csv\n' +
        '  fraud replay --csv big.csv --rate 5000 --strict --rejects bad-rows.csv\n' +
        '  fraud replay --csv simulated-transactions.csv --mapping handbook --label-delay 7d\n\n' +
        'The summary counts read = sent + rejected. ' +
        'Exit status is non-zero only with --strict (or if Kafka failed).\n' +
        envHelp('producers'),
    )
    .action(replay);
}

/** Streams the file with Ctrl-C handling (first: stop and flush, second: quit), then prints the summary. */
async function replay(flags: ReplayFlags): Promise<void> {
  const epochBase = flags.epoch === undefined ? undefined : Date.parse(flags.epoch);
  if (epochBase !== undefined && Number.isNaN(epochBase))
    throw new InvalidArgumentError(`--epoch ${flags.epoch} is not an ISO date (e.g. 2026-01-01T00:00:00Z)`);
  const labelPolicy = labelPolicyOf(flags);
  const mapping = await loadMapping(flags.mapping);
  const rejects = createRejectFile(flags.rejects ?? `${basename(flags.csv)}.rejects.csv`);
  await runPublishing('replay', flags, async (pub, signal) => {
    const labels = flags.labels ? ` + ${pub.topics.labels}` : '';
    process.stderr.write(
      `replay: ${flags.csv} (mapping ${mapping.name}) -> ${pub.topics.transactions}${labels}${metricsNote(pub)}\n`,
    );
    const progress = createProgress({ title: 'replay', unit: 'rows' });
    try {
      const s = await runReplay(
        { publisher: pub.publisher, rejects, metrics: pub.metrics },
        {
          csvPath: flags.csv,
          mapping,
          epochBase,
          ratePerSec: flags.rate,
          labels: flags.labels,
          labelPolicy,
          strict: flags.strict ?? false,
          signal,
          onProgress: (p) =>
            progress.update({ done: p.read, extra: { sent: p.sent, rejected: p.rejected, labels: p.labels } }),
        },
      );
      progress.stop();
      reportReplay(s, rejects.path, flags.strict === true);
    } finally {
      progress.stop();
    }
  });
}

/**
 * --label-delay: every label (fraud or not) arrives exactly that long after its row, as the
 * trainer's split gap assumes. Otherwise the producers' default policy with the delays and sample
 * rate given on the command line.
 */
function labelPolicyOf(flags: ReplayFlags): LabelPolicy {
  if (flags.labelDelay !== undefined) {
    if (flags.fraudLabelDelay !== undefined || flags.legitLabelDelay !== undefined)
      throw new InvalidArgumentError('--label-delay sets every delay: drop --fraud-label-delay/--legit-label-delay');
    const fixed = { kind: 'fixed', ms: flags.labelDelay } as const;
    return { fraudDelay: fixed, legitDelay: fixed, legitSampleRate: flags.legitLabelRate ?? 1 };
  }
  return {
    fraudDelay:
      flags.fraudLabelDelay === undefined
        ? DEFAULT_LABEL_POLICY.fraudDelay
        : {
            kind: 'lognormal',
            medianMs: flags.fraudLabelDelay,
            sigma: 1.2,
            minMs: Math.min(flags.fraudLabelDelay, 300_000),
            maxMs: Math.max(flags.fraudLabelDelay, 3 * 86_400_000),
          },
    legitDelay:
      flags.legitLabelDelay === undefined
        ? DEFAULT_LABEL_POLICY.legitDelay
        : { kind: 'fixed', ms: flags.legitLabelDelay },
    legitSampleRate: flags.legitLabelRate ?? DEFAULT_LABEL_POLICY.legitSampleRate,
  };
}

/** Prints the summary; exit status 1 when Kafka failed, an error when --strict met a malformed row. */
function reportReplay(s: ReplaySummary, rejectsPath: string, strict: boolean): void {
  process.stdout.write(
    [
      `replay: done (${s.stoppedBy}) in ${formatDuration(s.elapsedMs)}, file tag ${s.fileTag}`,
      `  read      ${s.read}`,
      `  sent      ${s.sent}  (${Math.round(s.rowsPerSec)} rows/s)`,
      `  rejected  ${s.rejected}${s.rejected ? `  -> ${rejectsPath}` : ''}`,
      `  fraud     ${s.fraud}`,
      `  labels    ${s.labels}`,
      `  failed    ${s.failed}`,
      '',
    ].join('\n'),
  );
  if (s.failed > 0) process.exitCode = 1;
  if (strict && s.rejected > 0) {
    const r = s.firstReject!;
    throw new FraudError(
      'CSV_INVALID',
      `--strict: line ${r.line} is malformed (${r.reason}); it is in ${rejectsPath}. ` +
        'Fix the file or run without --strict to skip such rows into the reject file.',
    );
  }
}
