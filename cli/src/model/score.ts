import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Command } from 'commander';
import { FraudError } from '@fraud/common';
import { loadModelArtifact, reasonsFor, scoreTransactions, type LoadedArtifact, type ScoredRows } from '@fraud/model';
import type { MappedRow } from '@fraud/model/csv';
import { nonNegativeInt } from '../args.ts';
import { createProgress, labelsOf, readInput, type InputFlags, type Progress } from './input.ts';
import { inputOptions, labelDelayOf, trainedLabelDelay } from './options.ts';

/**
 * `fraud model score`: one output row per input row, in input order, so a caller can score a
 * whole file (its history included) and evaluate any window of it. Features need event-time
 * order: scoreTransactions sorts internally and returns the input order.
 */

interface ScoreOpts extends InputFlags {
  model: string;
  out: string;
  topK: number;
  reasons: string;
  progress: boolean;
}

export const SCORE_COLUMNS = [
  'row',
  'txId',
  'eventTime',
  'step',
  'type',
  'amount',
  'score',
  'decision',
  'isFraud',
  'reasons',
] as const;

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function reasonsText(art: LoadedArtifact, scored: ScoredRows, i: number, topK: number): string {
  return reasonsFor(art, scored, i, topK)
    .map((x) => {
      const sign = x.contribution >= 0 ? '+' : '';
      return `${x.feature}=${Number(x.value.toPrecision(6))}(${sign}${x.contribution.toFixed(3)})`;
    })
    .join('; ');
}

/** Streams the output (constant memory besides the scores); honours the file's backpressure. */
async function writeScores(
  path: string,
  rows: readonly MappedRow[],
  line: (i: number) => string,
  progress: Progress,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  const closed = once(out, 'close');
  try {
    out.write(`${SCORE_COLUMNS.join(',')}\n`);
    let buf = '';
    for (let i = 0; i < rows.length; i++) {
      buf += `${line(i)}\n`;
      if (buf.length > 1 << 16 || i === rows.length - 1) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
      if ((i + 1) % 5000 === 0 || i === rows.length - 1) progress.update('writing', i + 1, rows.length);
    }
  } finally {
    out.end();
  }
  await closed;
}

/** The rows scored in order, each label arriving labelDelayMs after its payment (as in training). */
export function scoreRows(
  art: LoadedArtifact,
  rows: readonly MappedRow[],
  labelDelayMs: number,
  progress: Progress,
): Promise<ScoredRows> {
  return scoreTransactions(
    art,
    rows.map((r) => r.tx),
    (d, t) => progress.update('scoring', d, t),
    labelsOf(rows, labelDelayMs),
  );
}

async function scoreCmd(o: ScoreOpts): Promise<void> {
  if (!['all', 'flagged', 'none'].includes(o.reasons))
    throw new FraudError('BAD_REQUEST', `--reasons must be all, flagged or none, got ${o.reasons}`);
  const progress = createProgress(o.progress);
  const art = await loadModelArtifact(o.model);
  try {
    const { rows, mapping } = await readInput(o, progress);
    const scored = await scoreRows(art, rows, labelDelayOf(o, trainedLabelDelay(art.metadata)), progress);
    const line = (i: number): string => {
      const r = rows[i]!;
      const decision = scored.decisions[i] ?? 'APPROVE';
      const explain = o.reasons === 'all' || (o.reasons === 'flagged' && decision !== 'APPROVE');
      return [
        r.rowNumber,
        csvCell(r.tx.txId),
        new Date(r.tx.eventTime).toISOString(),
        r.step ?? '',
        r.tx.type,
        (r.tx.amount / 100).toFixed(2),
        (scored.scores[i] ?? 0).toFixed(6),
        decision,
        r.isFraud ? 1 : 0,
        explain ? csvCell(reasonsText(art, scored, i, o.topK)) : '',
      ].join(',');
    };
    await writeScores(o.out, rows, line, progress);
    progress.stop();
    const counts = new Map<string, number>();
    for (const d of scored.decisions) counts.set(d, (counts.get(d) ?? 0) + 1);
    const summary = [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
    process.stdout.write(
      `scored ${rows.length} rows (mapping ${mapping.name}) with model ${art.metadata.version} -> ${o.out} ` +
        `(${summary})\n`,
    );
  } finally {
    progress.stop();
    await art.model.dispose();
  }
}

export function registerScore(model: Command): void {
  const command = model
    .command('score')
    .description(
      'batch-score a CSV: one output row per input row, in input order (' +
        `${SCORE_COLUMNS.join(', ')}); features see the rows in event-time order`,
    )
    .requiredOption('--model <dir>', 'artifact directory (model-artifacts/<version>)');
  inputOptions(
    command,
    'when each label is known after its row, for label features (default: what the model was trained with)',
  )
    .requiredOption('--out <file>', 'output CSV')
    .option('--top-k <n>', 'reasons per row', nonNegativeInt('--top-k'), 3)
    .option('--reasons <which>', 'explain all rows, only flagged ones (REVIEW/BLOCK), or none', 'all')
    .option('--no-progress', 'no progress output')
    .addHelpText(
      'after',
      '\nExamples:\n  fraud model score --model model-artifacts/<version> --csv paysim.csv --out scored.csv\n' +
        '  fraud model score --model <dir> --csv transactions.csv --mapping handbook --label-delay 7d ' +
        '--reasons flagged --out scored.csv',
    )
    .action((o: ScoreOpts) => scoreCmd(o));
}
