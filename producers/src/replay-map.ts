import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { MappedRow } from '@fraud/model/csv';
import { PAYSIM_EPOCH_MS, PAYSIM_STEP_MS, type Transaction } from '@fraud/schemas';
import type { PaysimRow } from './csv.ts';

/** Step 0's event time: the PaySim time base the trainer uses too, so replayed and trained times agree. */
export const DEFAULT_EPOCH_BASE = PAYSIM_EPOCH_MS;
const HOUR = PAYSIM_STEP_MS;
/** Spacing of rows inside one step: keeps file order as event order for up to 72,000 rows a step. */
export const ROW_SPACING_MS = 50;

export interface RowMapperOptions {
  /** Epoch ms of step 0. */
  epochBase?: number;
  /** Short tag of the file (e.g. the first 8 hex digits of its SHA-256): makes txIds unique per file. */
  fileTag: string;
  currency?: string;
}

/**
 * Turns PaySim rows into Transactions. eventTime = base + step hours + a within-hour offset
 * that grows with the row's position among the rows of its step seen so far (deterministic,
 * order-preserving; constant memory: one counter per step). txId = csv-<fileTag>-<line>. No
 * post-transaction balance and no label goes into the transaction.
 */
export function createRowMapper(options: RowMapperOptions): (row: PaysimRow) => Transaction {
  const base = options.epochBase ?? DEFAULT_EPOCH_BASE;
  const currency = options.currency ?? 'USD';
  const seenInStep = new Map<number, number>();
  return (row) => {
    const k = seenInStep.get(row.step) ?? 0;
    seenInStep.set(row.step, k + 1);
    return {
      txId: `csv-${options.fileTag}-${row.line}`,
      eventTime: base + row.step * HOUR + Math.min(k * ROW_SPACING_MS, HOUR - 1),
      type: row.type,
      amount: row.amount,
      currency,
      originAccount: row.nameOrig,
      originBalanceBefore: row.oldbalanceOrg,
      destAccount: row.nameDest,
      destBalanceBefore: row.oldbalanceDest,
      channel: null,
      attributes: {},
    };
  };
}

/**
 * For files whose time is a step column (PaySim: hours, BankSim: days): every row of a step has
 * the step's time, so the replay spreads them ROW_SPACING_MS apart in file order (capped below the
 * next step), as createRowMapper does for PaySim. Other rows keep their own time. Constant memory:
 * one counter per step.
 */
export function createStepSpacer(stepMs: number): (row: MappedRow) => Transaction {
  const seenInStep = new Map<number, number>();
  return (row) => {
    if (row.step === null) return row.tx;
    const k = seenInStep.get(row.step) ?? 0;
    seenInStep.set(row.step, k + 1);
    return { ...row.tx, eventTime: row.tx.eventTime + Math.min(k * ROW_SPACING_MS, stepMs - 1) };
  };
}

/** First 8 hex digits of the file's SHA-256, streamed (constant memory). */
export async function fileTag(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 8);
}
