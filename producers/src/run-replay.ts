import { isFraudError } from '@fraud/common';
import {
  builtinMapping,
  compileMapping,
  mappingDurationMs,
  readMappedCsvBatches,
  type Mapping,
} from '@fraud/model/csv';
import type { CsvReject } from './csv.ts';
import { createLabelScheduler, DEFAULT_LABEL_POLICY, planLabel, type LabelPolicy } from './labels.ts';
import type { ProducerMetrics } from './metrics.ts';
import { createTokenBucket, pause } from './pacing.ts';
import type { Publisher } from './publisher.ts';
import type { RejectSink } from './rejects.ts';
import { createStepSpacer, fileTag as computeFileTag } from './replay-map.ts';
import { createRng } from './rng.ts';

export interface ReplayRunOptions {
  csvPath: string;
  /** The file's column mapping (default: the built-in paysim). */
  mapping?: Mapping;
  /** Epoch ms of step 0 (default: the mapping's origin); only for mappings whose time is a step column. */
  epochBase?: number;
  ratePerSec?: number;
  labels: boolean;
  labelPolicy?: LabelPolicy;
  /** Stop at the first malformed row (it still goes to the reject sink). */
  strict: boolean;
  /** Precomputed file tag; computed from the file's SHA-256 otherwise. */
  fileTag?: string;
  signal?: AbortSignal;
  onProgress?: (p: { read: number; sent: number; rejected: number; labels: number }) => void;
}

export interface ReplaySummary {
  fileTag: string;
  /** Data rows read (header excluded). */
  read: number;
  /** Transactions acknowledged by the broker. */
  sent: number;
  rejected: number;
  fraud: number;
  labels: number;
  failed: number;
  stoppedBy: 'end' | 'strict' | 'signal';
  firstReject: CsvReject | undefined;
  elapsedMs: number;
  rowsPerSec: number;
}

export interface ReplayDeps {
  publisher: Publisher;
  rejects: RejectSink;
  metrics?: ProducerMetrics;
}

/**
 * Streams a CSV, read through its column mapping, to the transactions topic and its label
 * column, as delayed labels (typology: the scenario column's value, else the mapping's name, e.g.
 * "paysim"), to the labels topic. Rows without a txId column are named csv-<fileTag>-<line>.
 * Labels are released when the replay's clock (the latest eventTime read) passes their due time,
 * and all of them at the end.
 * read = sent + rejected (+ failed, if the broker refused a batch).
 */
export async function runReplay(deps: ReplayDeps, options: ReplayRunOptions): Promise<ReplaySummary> {
  const { publisher, rejects, metrics } = deps;
  const started = Date.now();
  const tag = options.fileTag ?? (await computeFileTag(options.csvPath));
  const mapping = withEpoch(options.mapping ?? builtinMapping('paysim'), options.epochBase);
  const compiled = compileMapping(mapping, { generatedTxId: (line) => `csv-${tag}-${line}` });
  const mapRow = createStepSpacer(mapping.time.format === 'step' ? mappingDurationMs(mapping.time.step) : 1);
  const policy = options.labelPolicy ?? DEFAULT_LABEL_POLICY;
  const labelRng = createRng(`replay:${tag}`);
  const scheduler = createLabelScheduler();
  const bucket = options.ratePerSec ? createTokenBucket(options.ratePerSec) : undefined;
  let read = 0;
  let fraud = 0;
  let clock = -Infinity;
  let firstReject: CsvReject | undefined;
  let stoppedBy: ReplaySummary['stoppedBy'] = 'end';
  const reject = (r: CsvReject): void => {
    rejects.write(r);
    metrics?.rejected.inc();
    firstReject ??= r;
  };
  const progress = () =>
    options.onProgress?.({
      read,
      sent: publisher.stats.acceptedTransactions,
      rejected: rejects.count,
      labels: publisher.stats.acceptedLabels,
    });

  outer: for await (const batch of readMappedCsvBatches(options.csvPath, compiled, { signal: options.signal })) {
    for (const rec of batch) {
      if (options.signal?.aborted) {
        stoppedBy = 'signal';
        break outer;
      }
      if (bucket) {
        for (let ms = bucket.take(1); ms > 0; ms = bucket.take(1)) {
          if (!(await pause(ms, options.signal))) {
            stoppedBy = 'signal';
            break outer;
          }
        }
      }
      read++;
      if (!rec.ok) {
        reject(rec);
        if (options.strict) {
          stoppedBy = 'strict';
          break outer;
        }
        continue;
      }
      const tx = mapRow(rec.row);
      try {
        publisher.addTransaction(tx);
      } catch (err: unknown) {
        if (!isFraudError(err, 'ENCODE_FAILED')) throw err;
        reject({ line: rec.row.line, reason: err.message, raw: JSON.stringify(tx) });
        if (options.strict) {
          stoppedBy = 'strict';
          break outer;
        }
        continue;
      }
      if (rec.row.isFraud) fraud++;
      if (options.labels) {
        if (tx.eventTime > clock) {
          clock = tx.eventTime;
          for (const label of scheduler.due(clock)) publisher.addLabel(label);
        }
        const typology = rec.row.isFraud ? (rec.row.typology ?? mapping.name) : null;
        const pending = planLabel(policy, labelRng, tx, rec.row.isFraud, typology, 'replay');
        if (pending) scheduler.schedule(pending);
      }
      if (publisher.full) await publisher.ready();
      if ((read & 1023) === 0) progress();
    }
  }
  if (stoppedBy !== 'signal' && options.labels) {
    for (const label of scheduler.drain()) {
      publisher.addLabel(label);
      if (publisher.full) await publisher.ready();
    }
  }
  await publisher.flush();
  await rejects.close();
  progress();
  const elapsedMs = Date.now() - started;
  return {
    fileTag: tag,
    read,
    sent: publisher.stats.sentTransactions,
    rejected: rejects.count,
    fraud,
    labels: publisher.stats.sentLabels,
    failed: publisher.stats.failed,
    stoppedBy,
    firstReject,
    elapsedMs,
    rowsPerSec: elapsedMs > 0 ? (read * 1000) / elapsedMs : 0,
  };
}

/** The mapping with step 0 moved to `epochBase` (the --epoch option); other time formats carry their own dates. */
function withEpoch(mapping: Mapping, epochBase: number | undefined): Mapping {
  if (epochBase === undefined || mapping.time.format !== 'step') return mapping;
  return { ...mapping, time: { ...mapping.time, origin: new Date(epochBase).toISOString() } };
}
