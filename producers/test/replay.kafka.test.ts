import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testKafka } from '@fraud/kafka/testing';
import type { Label, Transaction } from '@fraud/schemas';
import { createIdempotentProducer, createPublisher, createRejectList, fileTag, runReplay } from '../src/index.ts';
import { SHARED_CSVS, writeCorruptedCsv } from './helpers.ts';
import { prefixedTopics, readBack, runFraudCli } from './kafka-helpers.ts';

const kafka = testKafka('producers-replay-test');
const dir = mkdtempSync(join(tmpdir(), 'fraud-replay-'));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function replayThroughKafka(csvPath: string, name: string) {
  const { topics, codecs, cleanup } = await prefixedTopics(kafka, name);
  cleanups.push(cleanup);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const rejects = createRejectList();
  try {
    const publisher = createPublisher({ producer, topics, encoders: codecs, batchSize: 5_000 });
    const summary = await runReplay({ publisher, rejects }, { csvPath, labels: true, strict: false });
    return { summary, rejects, topics, codecs };
  } finally {
    await producer.disconnect();
  }
}

describe('replay through the real broker and schema registry', () => {
  it.each(SHARED_CSVS)(
    'replays %s with exact counts (sent + rejected = read), labels for every row',
    { timeout: 240_000 },
    async (csv) => {
      const lines = readFileSync(csv, 'latin1')
        .split(/\r?\n/)
        .filter((l) => l.length > 0)
        .slice(1);
      const fraudRows = lines.filter((l) => Number(l.split(',')[9]) === 1).length;
      const { summary, rejects, topics, codecs } = await replayThroughKafka(csv, 'replay-shared');
      expect(summary.read).toBe(lines.length);
      expect(summary.sent + summary.rejected).toBe(summary.read);
      expect(summary.rejected).toBe(rejects.count);
      expect(summary.failed).toBe(0);
      expect(summary.fraud).toBe(fraudRows);

      const txs = await readBack<Transaction>(kafka, topics.transactions, summary.sent, (b) =>
        codecs.transaction.decode(b),
      );
      const labels = await readBack<Label>(kafka, topics.labels, summary.sent, (b) => codecs.label.decode(b));
      expect(txs.values.length).toBe(summary.sent);
      expect(labels.values.length).toBe(summary.labels);
      const tag = await fileTag(csv);
      const ids = new Set(txs.values.map((t) => t.txId));
      expect(ids.size).toBe(summary.sent);
      expect([...ids].every((id) => id.startsWith(`csv-${tag}-`))).toBe(true);
      expect(new Set(labels.values.map((l) => l.txId))).toEqual(ids);
      const fraudLabels = labels.values.filter((l) => l.isFraud);
      expect(fraudLabels.length).toBe(fraudRows);
      expect(fraudLabels.every((l) => l.typology === 'paysim' && l.source === 'SIMULATION')).toBe(true);
      // Keyed by origin account: one account's transactions all sit in one partition.
      const partitionOf = new Map<string, number>();
      for (const [p, values] of txs.byPartition)
        for (const t of values)
          expect(partitionOf.get(t.originAccount) ?? p).toBe(partitionOf.set(t.originAccount, p).get(t.originAccount));
    },
  );

  it(
    'a corrupted CSV: valid rows go through, every malformed row is rejected with its reason',
    { timeout: 180_000 },
    async () => {
      const csv = join(dir, 'corrupted.csv');
      const { lines, bad } = writeCorruptedCsv(csv);
      const { summary, rejects, topics, codecs } = await replayThroughKafka(csv, 'replay-corrupt');
      expect(summary).toMatchObject({
        read: lines,
        rejected: Object.keys(bad).length,
        sent: lines - Object.keys(bad).length,
        stoppedBy: 'end',
      });
      expect(rejects.items.map((r) => r.line)).toEqual(Object.keys(bad).map(Number));
      const txs = await readBack<Transaction>(kafka, topics.transactions, summary.sent, (b) =>
        codecs.transaction.decode(b),
      );
      expect(txs.values.map((t) => t.amount).sort((a, b) => a - b)).toEqual([1_000, 5_050, 983_964, 1_000_000_000]);
    },
  );

  it(
    'fraud replay CLI: non-zero exit only with --strict; the reject file has line numbers and reasons',
    { timeout: 300_000 },
    async () => {
      const csv = join(dir, 'corrupted-cli.csv');
      const { lines, bad } = writeCorruptedCsv(csv);
      const { prefix, cleanup } = await prefixedTopics(kafka, 'replay-cli');
      cleanups.push(cleanup);
      const cli = (args: string[]) =>
        runFraudCli(['replay', '--csv', csv, '--metrics-port', '0', ...args], prefix, dir);

      // Lenient (the default): exit 0, the reject file in the working directory, named after the CSV.
      const lenient = await cli([]);
      expect(lenient.code, lenient.stderr).toBe(0);
      expect(lenient.stdout).toMatch(new RegExp(`read\\s+${lines}\\b`));
      expect(lenient.stdout).toMatch(new RegExp(`sent\\s+${lines - Object.keys(bad).length}\\b`));
      expect(lenient.stdout).toMatch(new RegExp(`rejected\\s+${Object.keys(bad).length}\\b`));
      const rejectLines = readFileSync(join(dir, `${basename(csv)}.rejects.csv`), 'utf8')
        .trim()
        .split('\n');
      expect(rejectLines[0]).toBe('line,reason,raw');
      expect(rejectLines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(Object.keys(bad).map(Number));
      expect(rejectLines[1]).toBe('4,"amount: ""12a.5"" is not a number","1,PAYMENT,12a.5,C1,1.0,0.0,M2,0.0,0.0,0,0"');

      // Strict: stops at the first malformed row, says which, exits non-zero.
      const strict = await cli(['--strict', '--rejects', join(dir, 'strict-rejects.csv')]);
      expect(strict.code).not.toBe(0);
      expect(strict.stderr).toMatch(/--strict: line 4 is malformed \(amount: "12a\.5" is not a number\)/);
      expect(readFileSync(join(dir, 'strict-rejects.csv'), 'utf8')).toMatch(/^line,reason,raw\n4,/);
    },
  );
});
