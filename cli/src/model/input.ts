import cliProgress from 'cli-progress';
import { FraudError } from '@fraud/common';
import type { LabelEvent } from '@fraud/model';
import {
  compileMapping,
  loadMappedCsv,
  loadMapping,
  mappingDurationMs,
  type CompiledMapping,
  type MappedRow,
  type Mapping,
} from '@fraud/model/csv';

/**
 * What `fraud model train|evaluate|score` read: a CSV through its column mapping (--mapping,
 * PaySim by default), rows limited to a window by step (step-timed mappings) or by date, and the
 * labels as they would have arrived (row time + --label-delay). Pure wiring around @fraud/model.
 */

export interface InputFlags {
  csv: string;
  mapping: string;
  /** Milliseconds; when each row's label is known. */
  labelDelay?: number;
  untilStep?: number;
  fromStep?: number;
  /** ISO date-times (any time format). */
  until?: string;
  from?: string;
}

export interface ModelInput {
  mapping: Mapping;
  compiled: CompiledMapping;
  rows: MappedRow[];
  /** Event time of step n, for mappings whose time is a step column. */
  stepTime(step: number, option: string): number;
}

/** Each row's label as the features see it: arrived at row time + delay (point-in-time). */
export function labelsOf(rows: readonly MappedRow[], delayMs: number): LabelEvent[] {
  return rows.map((r) => ({ txId: r.tx.txId, isFraud: r.isFraud, labeledAt: r.tx.eventTime + delayMs }));
}

function parseIso(value: string, option: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new FraudError('BAD_REQUEST', `${option} ${value} is not an ISO date (e.g. 2018-05-01 or 2018-05-01T12:00Z)`);
  return t;
}

/** stepTime for the mapping; a step option on a mapping timed by dates is refused with what to use instead. */
function stepTimer(mapping: Mapping): (step: number, option: string) => number {
  return (step, option) => {
    const t = mapping.time;
    if (t.format !== 'step')
      throw new FraudError(
        'BAD_REQUEST',
        `${option} needs a step-timed mapping; mapping ${mapping.name} has dates: use --from/--until <iso date>`,
      );
    return Date.parse(t.origin) + step * mappingDurationMs(t.step);
  };
}

/** Reads the file in full (the first bad row stops it, naming its line), keeping rows up to --until(-step). */
export async function readInput(o: InputFlags, progress: Progress): Promise<ModelInput> {
  const mapping = await loadMapping(o.mapping);
  const compiled = compileMapping(mapping);
  const stepTime = stepTimer(mapping);
  if (o.untilStep !== undefined) stepTime(o.untilStep, '--until-step');
  const untilDate = o.until === undefined ? undefined : parseIso(o.until, '--until');
  const filter = (r: MappedRow): boolean =>
    (o.untilStep === undefined || (r.step !== null && r.step <= o.untilStep)) &&
    (untilDate === undefined || r.tx.eventTime < untilDate);
  const rows = await loadMappedCsv(o.csv, compiled, {
    filter,
    onProgress: (n) => progress.update('reading', n, n),
  });
  if (rows.length === 0) {
    const window = o.untilStep === undefined && o.until === undefined ? '' : ' in the chosen window';
    throw new FraudError('CSV_INVALID', `${o.csv} has no data rows${window} (mapping ${mapping.name})`);
  }
  return { mapping, compiled, rows, stepTime };
}

/** Start of the evaluated window (--from-step or --from); earlier rows only build feature history. */
export function windowStart(o: InputFlags, input: ModelInput): number | undefined {
  if (o.fromStep !== undefined && o.from !== undefined)
    throw new FraudError('BAD_REQUEST', 'give --from-step or --from, not both');
  if (o.fromStep !== undefined) return input.stepTime(o.fromStep, '--from-step');
  return o.from === undefined ? undefined : parseIso(o.from, '--from');
}

export interface Progress {
  update(stage: string, done: number, total: number, note?: string): void;
  stop(): void;
}

/** cli-progress on a TTY; plain lines every 10% (or stage change) otherwise; all on stderr. */
export function createProgress(enabled: boolean): Progress {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let stage = '';
  let lastPct = -1;
  return {
    update(s, done, total, note) {
      if (!enabled) return;
      if (tty) {
        if (s !== stage) {
          bar?.stop();
          bar = new cliProgress.SingleBar(
            {
              format: `${s.padEnd(10)} [{bar}] {percentage}% {value}/{total} {note}`,
              stream: process.stderr,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(total, 1), 0, { note: '' });
          stage = s;
        }
        bar?.setTotal(Math.max(total, 1));
        bar?.update(done, { note: note ?? '' });
        return;
      }
      const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
      if (s !== stage || pct !== lastPct) {
        process.stderr.write(`${s}: ${done}/${total} (${pct}%)${note === undefined ? '' : ` ${note}`}\n`);
        stage = s;
        lastPct = pct;
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
